"""pytest plugin entry point (`pytest11`): loads alembic-guard's fixture modules.

Round-trip fixtures: `alembic_guard.testing.fixtures`. Runtime kit (N+1 detector, lazy-load guard,
pool watcher): `alembic_guard.testing.runtime.fixtures`.
"""

pytest_plugins = ["alembic_guard.testing.fixtures", "alembic_guard.testing.runtime.fixtures"]
