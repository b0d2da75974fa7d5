"""add status, the safe way

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
    op.execute("SET lock_timeout = '5s'")
    # a constant server default: PostgreSQL 11+ adds the column without touching the rows
    op.add_column("user_account", sa.Column("status", sa.Text(), nullable=False, server_default="active"))
    op.add_column("user_account", sa.Column("token", sa.Uuid(), nullable=True))
    op.alter_column("user_account", "token", server_default=sa.text("gen_random_uuid()"))
    with op.get_context().autocommit_block():
        op.create_index("ix_user_account_status", "user_account", ["status"], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_user_account_status", table_name="user_account", postgresql_concurrently=True)
    op.drop_column("user_account", "token")
    op.drop_column("user_account", "status")
