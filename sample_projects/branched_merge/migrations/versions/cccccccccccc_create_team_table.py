"""create team table

Revision ID: cccccccccccc
Revises: aaaaaaaaaaaa
Create Date: 2026-01-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "cccccccccccc"
down_revision = "aaaaaaaaaaaa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("team", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("title", sa.String(100), nullable=False))
    op.create_index("ix_team_title", "team", ["title"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_team_title", table_name="team")
    op.drop_table("team")
