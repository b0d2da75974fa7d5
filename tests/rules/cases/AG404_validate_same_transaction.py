from alembic import op

revision = "ag404_valida"
down_revision = None


def upgrade():
    # NOT VALID then VALIDATE in the same transaction: the ADD's lock is held during the scan
    op.execute("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")  # expect: AG404
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk")
    op.execute("ALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID")
    op.execute("COMMIT")
    op.execute("ALTER TABLE lines VALIDATE CONSTRAINT lines_order_fk")  # after a COMMIT: fine


def downgrade():
    pass
