"""create user_account

Revision ID: aaaaaaaaaaaa
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "aaaaaaaaaaaa"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # a new table: nothing on it can block anyone, so nothing here is flagged
    op.create_table(
        "user_account",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
    )
    op.create_index("ix_user_account_email", "user_account", ["email"], unique=True)
    op.add_column("user_account", sa.Column("plan", sa.Text(), nullable=False))


def downgrade():
    op.drop_table("user_account")
