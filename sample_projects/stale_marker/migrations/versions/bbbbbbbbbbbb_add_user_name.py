"""add user name

Revision ID: bbbbbbbbbbbb
Revises: aaaaaaaaaaaa
Create Date: 2026-01-12 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "bbbbbbbbbbbb"
down_revision: Union[str, Sequence[str], None] = "aaaaaaaaaaaa"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("name", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("user_account", "name")
