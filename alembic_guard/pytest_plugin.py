"""pytest plugin entry point (`pytest11`): fixtures for running alembic-guard's checks inside a
user's own test suite. The round-trip fixtures are provided by `alembic_guard.sandbox`; the
runtime kit (N+1 detector, lazy-load guard, pool watcher) by `alembic_guard.runtime`."""
