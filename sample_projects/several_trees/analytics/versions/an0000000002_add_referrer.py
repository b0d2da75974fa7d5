"""add referrer

Revision ID: an0000000002
Revises: an0000000001
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "an0000000002"
down_revision = "an0000000001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("page_view", sa.Column("referrer", sa.Text()))


def downgrade():
    op.drop_column("page_view", "referrer")
