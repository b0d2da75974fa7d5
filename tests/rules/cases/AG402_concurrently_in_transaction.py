from alembic import op
import sqlalchemy as sa

revision = "a402"
down_revision = None


def upgrade():
    op.create_index("ix_a", "user", ["a"], postgresql_concurrently=True)  # expect: AG402
    with op.get_context().autocommit_block():
        op.create_index("ix_b", "user", ["b"], postgresql_concurrently=True)
        op.drop_index("ix_old", table_name="user", postgresql_concurrently=True)
    op.execute("DROP INDEX CONCURRENTLY ix_c")  # expect: AG402
    op.execute("REINDEX INDEX CONCURRENTLY ix_d")  # expect: AG402
    op.create_index("ix_e", "user", ["e"])  # not concurrent: AG401's business
    op.execute("COMMIT")
    op.execute("CREATE INDEX CONCURRENTLY ix_f ON \"user\" (f)")  # after COMMIT: outside the transaction
    op.execute("BEGIN")
    op.execute("CREATE INDEX CONCURRENTLY ix_g ON \"user\" (g)")  # expect: AG402


def downgrade():
    op.drop_index("ix_b", table_name="user", postgresql_concurrently=True)  # expect: AG402
