"""renames and drops

Revision ID: dddddddddddd
Revises: cccccccccccc
"""
from alembic import op
import sqlalchemy as sa

revision = "dddddddddddd"
down_revision = "cccccccccccc"
branch_labels = None
depends_on = None


def _set_timeouts():
    op.execute("SET lock_timeout = '5s'")


def upgrade():
    _set_timeouts()
    op.alter_column("user_account", "name", new_column_name="full_name")  # expect: AG412
    op.rename_table("orders", "purchase")  # expect: AG413
    op.drop_column("user_account", "plan")  # expect: AG410
    op.drop_index("ix_user_account_status", table_name="user_account")  # expect: AG414
    op.drop_table("legacy_session")  # expect: AG411


def downgrade():
    pass
