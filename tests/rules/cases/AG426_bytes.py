from alembic import op

revision = "ag426_bytes"
down_revision = None


def upgrade():
    # 31 two-byte letters after `ix_`: 65 bytes, 34 characters
    op.execute("CREATE INDEX ix_ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ ON orders (status)")  # expect: AG426
    op.create_index("ix_ééééééééééééééééééééééééééééééé", "orders", ["kind"])  # expect: AG426
    op.create_index("ix_orders_status_short", "orders", ["status"])


def downgrade():
    pass
