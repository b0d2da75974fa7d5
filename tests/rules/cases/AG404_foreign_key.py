from alembic import op
import sqlalchemy as sa

revision = "a404"
down_revision = None


def upgrade():
    op.create_foreign_key("fk_order_user", "order", "user", ["user_id"], ["id"])  # expect: AG404
    op.create_foreign_key("fk_order_shop", "order", "shop", ["shop_id"], ["id"], postgresql_not_valid=True)
    op.execute("ALTER TABLE order_line ADD CONSTRAINT fk_line_order FOREIGN KEY (order_id) REFERENCES orders (id)")  # expect: AG404
    op.execute("ALTER TABLE order_line ADD CONSTRAINT fk_line_item FOREIGN KEY (item_id) REFERENCES item (id) NOT VALID")
    op.add_column("order", sa.Column("coupon_id", sa.BigInteger(), sa.ForeignKey("coupon.id"), nullable=True))  # expect: AG404
    op.create_table("refund", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("order_id", sa.BigInteger()))
    op.create_foreign_key("fk_refund_order", "refund", "order", ["order_id"], ["id"])  # refund is new
    with op.batch_alter_table("invoice") as batch_op:
        batch_op.create_foreign_key("fk_invoice_user", "user", ["user_id"], ["id"])  # expect: AG404


def downgrade():
    op.drop_constraint("fk_order_user", "order", type_="foreignkey")
