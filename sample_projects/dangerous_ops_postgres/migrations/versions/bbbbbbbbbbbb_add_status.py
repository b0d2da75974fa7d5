"""add status

Revision ID: bbbbbbbbbbbb
Revises: aaaaaaaaaaaa
"""
from alembic import op
import sqlalchemy as sa

revision = "bbbbbbbbbbbb"
down_revision = "aaaaaaaaaaaa"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("status", sa.Text(), nullable=False))  # expect: AG405,AG416
    op.create_index("ix_user_account_status", "user_account", ["status"])  # expect: AG401


def downgrade():
    op.drop_index("ix_user_account_status", table_name="user_account")
    op.drop_column("user_account", "status")
