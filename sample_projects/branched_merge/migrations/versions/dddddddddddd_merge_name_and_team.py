"""merge name and team

Revision ID: dddddddddddd
Revises: bbbbbbbbbbbb, cccccccccccc
Create Date: 2026-01-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "dddddddddddd"
down_revision = ("bbbbbbbbbbbb", "cccccccccccc")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
