from alembic import op
import sqlalchemy as sa

revision = "a426"
down_revision = None


def upgrade():
    op.create_index("ix_customer_subscription_history_billing_period_started_at_and_plan_id", "customer_subscription_history", ["a"])  # expect: AG426
    op.create_index("ix_short", "customer_subscription_history", ["a"])
    op.create_table(  # expect: AG426
        "t",
        sa.Column("a_column_name_that_goes_on_and_on_and_on_and_on_and_on_and_on_forever", sa.Text()),
    )
    op.execute("ALTER TABLE t ADD CONSTRAINT chk_this_constraint_name_is_far_far_too_long_for_postgresql_to_keep CHECK (a > 0)")  # expect: AG426
    op.create_check_constraint("ck_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "t", "a > 0")  # expect: AG426
    op.create_check_constraint("ck_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "t", "a > 0")  # 63 bytes: fine
    op.execute("ALTER TABLE t ADD CONSTRAINT ck_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy CHECK (a > 0)")
