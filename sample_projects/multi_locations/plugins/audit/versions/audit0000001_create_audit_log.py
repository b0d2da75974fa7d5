"""create audit log

Revision ID: audit0000001
Revises:
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "audit0000001"
down_revision = None
branch_labels = ("audit",)
depends_on = None


def upgrade():
    op.create_table("audit_log", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("event", sa.Text(), nullable=False))


def downgrade():
    op.drop_table("audit_log")
