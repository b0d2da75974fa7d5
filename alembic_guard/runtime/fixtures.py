"""pytest fixtures for the runtime kit (registered through `alembic_guard.pytest_plugin`)."""
