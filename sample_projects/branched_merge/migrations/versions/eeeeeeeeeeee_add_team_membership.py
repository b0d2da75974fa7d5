"""add team membership

Revision ID: eeeeeeeeeeee
Revises: dddddddddddd
Create Date: 2026-01-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "eeeeeeeeeeee"
down_revision = "dddddddddddd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "membership",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("membership")
