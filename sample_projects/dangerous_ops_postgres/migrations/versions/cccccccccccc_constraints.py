"""orders and constraints

Revision ID: cccccccccccc
Revises: bbbbbbbbbbbb
"""
from alembic import op
import sqlalchemy as sa

revision = "cccccccccccc"
down_revision = "bbbbbbbbbbbb"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
    )
    op.create_foreign_key("fk_orders_user", "orders", "user_account", ["user_id"], ["id"])  # new table: fine
    op.create_foreign_key("fk_user_referrer", "user_account", "user_account", ["referrer_id"], ["id"])  # expect: AG404
    op.create_check_constraint("ck_user_email", "user_account", "email <> ''")  # expect: AG409
    op.create_unique_constraint("uq_user_name", "user_account", ["name"])  # expect: AG408
    op.alter_column("user_account", "name", existing_type=sa.Text(), nullable=False)  # expect: AG407
    op.alter_column("user_account", "id", type_=sa.Integer(), existing_type=sa.BigInteger())  # expect: AG403


def downgrade():
    op.drop_table("orders")
