from alembic import op

revision = "ag402_reinde"
down_revision = None


def upgrade():
    op.execute("REINDEX (CONCURRENTLY false) TABLE orders")  # not concurrent: no AG402
    op.execute("REINDEX (CONCURRENTLY) TABLE orders")  # expect: AG402


def downgrade():
    pass
