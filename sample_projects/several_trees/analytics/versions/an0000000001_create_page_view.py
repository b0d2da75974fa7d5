"""create page_view

Revision ID: an0000000001
Revises:
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "an0000000001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("page_view", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("path", sa.Text(), nullable=False))


def downgrade():
    op.drop_table("page_view")
