"""add invoice total

Revision ID: billing000002
Revises: billing000001
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "billing000002"
down_revision = "billing000001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("invoice", sa.Column("total_cents", sa.BigInteger(), nullable=True))


def downgrade():
    op.drop_column("invoice", "total_cents")
