"""Runtime kit for tests: N+1 detector, lazy-load guard, pool watcher (SQLAlchemy events)."""
