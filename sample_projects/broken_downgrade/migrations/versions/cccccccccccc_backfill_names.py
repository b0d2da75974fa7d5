"""backfill names

Revision ID: cccccccccccc
Revises: bbbbbbbbbbbb
Create Date: 2026-01-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "cccccccccccc"
down_revision = "bbbbbbbbbbbb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE user_account SET name = email WHERE name IS NULL")


def downgrade() -> None:
    raise NotImplementedError("data migration: restore from a backup to go back")
