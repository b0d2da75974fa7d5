from alembic import context

target_metadata = None
