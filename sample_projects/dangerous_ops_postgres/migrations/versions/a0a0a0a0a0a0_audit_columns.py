"""audit columns through a shared helper

Revision ID: a0a0a0a0a0a0
Revises: ffffffffffff
"""
from alembic import op

from migrations.helpers import add_audit_columns

revision = "a0a0a0a0a0a0"
down_revision = "ffffffffffff"
branch_labels = None
depends_on = None


def upgrade():
    add_audit_columns(op, "user_account")  # expect: AG423


def downgrade():
    pass
