"""enum value outside the transaction; a widening type change; reviewed drops

Revision ID: eeeeeeeeeeee
Revises: dddddddddddd
"""
from alembic import op
import sqlalchemy as sa

revision = "eeeeeeeeeeee"
down_revision = "dddddddddddd"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE purchase_state ADD VALUE IF NOT EXISTS 'refunded'")
    # varchar(n) -> text is binary coercible: no rewrite
    op.alter_column("user_account", "email", type_=sa.Text(), existing_type=sa.String(255))
    op.drop_column("user_account", "plan")  # alembic-guard: ignore[AG410] unused since release 2.3
    op.rename_table("orders", "purchase")
    op.execute("CREATE VIEW orders AS SELECT * FROM purchase")  # old name keeps working


def downgrade():
    op.execute("DROP VIEW orders")
    op.rename_table("purchase", "orders")
