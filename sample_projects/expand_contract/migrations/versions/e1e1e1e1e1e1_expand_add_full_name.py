"""expand: add full_name

Revision ID: e1e1e1e1e1e1
Revises: aaaaaaaaaaaa
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "e1e1e1e1e1e1"
down_revision = "aaaaaaaaaaaa"
branch_labels = ("expand",)
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("full_name", sa.Text()))


def downgrade():
    op.drop_column("user_account", "full_name")
