from alembic import op

revision = "a415"
down_revision = None


def upgrade():
    op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")  # expect: AG415
    op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")
    op.execute("ALTER TYPE order_status ADD VALUE 'lost'")  # not used in this transaction: fine on 12+
    op.execute("ALTER TYPE order_status RENAME VALUE 'new' TO 'created'")  # expect: AG415
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'held'")
    op.execute("UPDATE orders SET status = 'held' WHERE on_hold")
