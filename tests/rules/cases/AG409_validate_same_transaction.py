from alembic import op

revision = "ag409_valida"
down_revision = None


def upgrade():
    op.execute("ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total > 0) NOT VALID")  # expect: AG409
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_total_pos")
    op.execute("ALTER TABLE lines ADD CONSTRAINT lines_qty_pos CHECK (qty > 0) NOT VALID")  # validated later: fine


def downgrade():
    pass
