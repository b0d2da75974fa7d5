from alembic import op
import sqlalchemy as sa

revision = "a409"
down_revision = None


def upgrade():
    op.create_check_constraint("ck_order_amount", "order", "amount >= 0")  # expect: AG409
    op.create_check_constraint("ck_order_qty", "order", sa.text("qty > 0"), postgresql_not_valid=True)
    op.execute("ALTER TABLE item ADD CONSTRAINT ck_item_price CHECK (price > 0)")  # expect: AG409
    op.execute("ALTER TABLE item ADD CONSTRAINT ck_item_weight CHECK (weight > 0) NOT VALID")
    with op.batch_alter_table("item") as batch_op:
        batch_op.create_check_constraint("ck_item_name", "length(name) > 0")  # expect: AG409
    op.create_table("fee", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("amount", sa.Integer()))
    op.create_check_constraint("ck_fee_amount", "fee", "amount >= 0")
