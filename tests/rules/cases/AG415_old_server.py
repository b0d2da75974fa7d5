# case: server-version=11.9
from alembic import op

revision = "a415b"
down_revision = None


def upgrade():
    op.execute("ALTER TYPE order_status ADD VALUE 'lost'")  # expect: AG415
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE 'held'")
