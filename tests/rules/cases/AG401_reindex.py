from alembic import op

revision = "ag401_reinde"
down_revision = None


def upgrade():
    op.execute("REINDEX INDEX ix_orders_user")  # expect: AG401
    op.execute("REINDEX (CONCURRENTLY false) TABLE orders")  # expect: AG401
    with op.get_context().autocommit_block():
        op.execute("REINDEX INDEX CONCURRENTLY ix_orders_status")


def downgrade():
    pass
