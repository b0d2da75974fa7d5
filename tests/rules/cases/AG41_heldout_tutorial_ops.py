# case: dialect=postgresql server-version=16
# Held-out: the Alembic tutorial / cookbook and FastAPI-tutorial styles of destructive changes,
# WRONG and CORRECT (expand/contract: the old name stays until no running code uses it).
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Column, String

revision = "h41"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '3s'")  # (AG416 is selected by the AG41 prefix too)
    # WRONG
    op.drop_column("account", "last_transaction_date")  # expect: AG410
    op.drop_table("sessions")  # expect: AG411
    op.alter_column("users", "name", new_column_name="full_name")  # expect: AG412
    op.rename_table("user", "users")  # expect: AG413
    op.drop_index("ix_users_email", table_name="users")  # expect: AG414
    op.execute('ALTER TABLE "core_recipe" RENAME COLUMN "foo" TO "bar";')  # expect: AG412
    op.execute("DROP INDEX field_name_idx;")  # expect: AG414
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("password")  # expect: AG410

    # CORRECT: everything on a table created here, and the concurrent drop
    op.create_table("audit", Column("id", sa.BigInteger(), primary_key=True), Column("note", String()))
    op.alter_column("audit", "note", new_column_name="comment")
    op.create_index("ix_audit_comment", "audit", ["comment"])
    op.drop_index("ix_audit_comment", table_name="audit")
    op.drop_column("audit", "comment")
    with op.get_context().autocommit_block():
        op.drop_index("ix_users_name", table_name="users", postgresql_concurrently=True, if_exists=True)
    op.add_column("users", Column("nickname", String(), nullable=True))  # expand: new column, nullable


def downgrade():
    op.drop_column("users", "nickname")  # downgrade drops what upgrade added
    op.drop_table("audit")
