# case: dialect=sqlite
from alembic import op

revision = "s410"
down_revision = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("legacy")  # expect: AG410
