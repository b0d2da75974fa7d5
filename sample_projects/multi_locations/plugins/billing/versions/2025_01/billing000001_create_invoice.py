"""create invoice table

Revision ID: billing000001
Revises:
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "billing000001"
down_revision = None
branch_labels = ("billing",)
depends_on = "aaaaaaaaaaaa"


def upgrade():
    op.create_table("invoice", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("user_account.id"), nullable=False))


def downgrade():
    op.drop_table("invoice")
