"""create user

Revision ID: aaaaaaaaaaaa
Revises: None
Create Date: 2026-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "aaaaaaaaaaaa"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("user_account", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("name", sa.Text()))


def downgrade():
    op.drop_table("user_account")
