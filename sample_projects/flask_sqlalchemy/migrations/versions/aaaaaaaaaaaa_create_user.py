"""create user

Revision ID: aaaaaaaaaaaa
Revises:
Create Date: 2026-01-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "aaaaaaaaaaaa"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("user", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("user")
