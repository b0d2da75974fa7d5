"""pytest fixtures for round-trip checks in a user's own suite (registered by the pytest11 entry
point through `alembic_guard.pytest_plugin`)."""
