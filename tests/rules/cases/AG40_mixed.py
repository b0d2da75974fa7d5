# case: dialect=postgresql server-version=16
from alembic import op
import sqlalchemy as sa

revision = "x4"
down_revision = None


def _timeouts():
    op.execute("SET lock_timeout = '3s'")


def upgrade():
    op.create_table(
        "invoice",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False),
    )
    # everything on the new table is exempt
    op.create_index("ix_invoice_number", "invoice", ["number"], unique=True)
    op.add_column("invoice", sa.Column("total", sa.Numeric(), nullable=False))
    op.create_foreign_key("fk_invoice_user", "invoice", "user", ["user_id"], ["id"])
    op.create_check_constraint("ck_invoice_total", "invoice", "total >= 0")
    op.alter_column("invoice", "number", type_=sa.BigInteger())
    op.bulk_insert(sa.table("invoice", sa.column("id")), [{"id": 1}])
    op.add_column("user", sa.Column("plan", sa.Text(), nullable=False))  # expect: AG405
    _timeouts()
    op.add_column("user", sa.Column("team", sa.Text(), nullable=True))
    with op.batch_alter_table("user") as batch:
        batch.create_unique_constraint("uq_user_team", ["team"])  # expect: AG408
        batch.create_index("ix_user_plan", ["plan"])  # expect: AG401
    with op.get_context().autocommit_block():
        op.create_index("ix_user_team", "user", ["team"], postgresql_concurrently=True)
    op.execute("""
        ALTER TABLE "user" ADD COLUMN region text;
        CREATE INDEX CONCURRENTLY ix_user_region ON "user" (region);  -- # expect: AG402
    """)


def downgrade():
    op.drop_index("ix_user_team", table_name="user")
    op.drop_column("user", "team")
    op.drop_table("invoice")
