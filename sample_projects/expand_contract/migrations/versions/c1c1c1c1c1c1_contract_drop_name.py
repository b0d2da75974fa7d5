"""contract: drop name

Revision ID: c1c1c1c1c1c1
Revises: aaaaaaaaaaaa
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "c1c1c1c1c1c1"
down_revision = "aaaaaaaaaaaa"
branch_labels = ("contract",)
depends_on = "e1e1e1e1e1e1"


def upgrade():
    op.drop_column("user_account", "name")  # alembic-guard: ignore[AG410] contract phase: the app no longer reads it


def downgrade():
    op.add_column("user_account", sa.Column("name", sa.Text()))
