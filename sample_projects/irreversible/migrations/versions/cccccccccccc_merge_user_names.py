"""merge first and last name into name

Revision ID: cccccccccccc
Revises: bbbbbbbbbbbb
Create Date: 2026-01-19 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "cccccccccccc"
down_revision: Union[str, Sequence[str], None] = "bbbbbbbbbbbb"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("UPDATE user_account SET name = trim(name)")
    op.create_index("ix_user_account_name", "user_account", ["name"])


def downgrade() -> None:
    raise NotImplementedError("trimmed names cannot be restored")
