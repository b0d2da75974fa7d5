"""add user phone

Revision ID: cccccccccccc
Revises: aaaaaaaaaaaa
Create Date: 2026-01-13 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "cccccccccccc"
down_revision: Union[str, Sequence[str], None] = "aaaaaaaaaaaa"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("phone", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("user_account", "phone")
