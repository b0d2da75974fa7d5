"""expand: add email

Revision ID: e2e2e2e2e2e2
Revises: e1e1e1e1e1e1
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "e2e2e2e2e2e2"
down_revision = "e1e1e1e1e1e1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("email", sa.Text()))


def downgrade():
    op.drop_column("user_account", "email")
