"""add user status

Revision ID: bbbbbbbbbbbb
Revises: aaaaaaaaaaaa
Create Date: 2026-01-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "bbbbbbbbbbbb"
down_revision = "aaaaaaaaaaaa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    status = sa.Enum("active", "banned", name="user_status")
    status.create(op.get_bind())
    op.add_column("user_account", sa.Column("status", status, nullable=True))
    op.create_index("ix_user_account_email", "user_account", ["email"])


def downgrade() -> None:
    op.drop_column("user_account", "status")
    # forgotten: the enum type user_status and the index ix_user_account_email stay behind
