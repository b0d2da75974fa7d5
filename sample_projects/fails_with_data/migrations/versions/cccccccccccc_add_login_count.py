"""add login count

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
    op.add_column("user_account", sa.Column("logins", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("user_account", "logins")
