"""raw SQL

Revision ID: eeeeeeeeeeee
Revises: dddddddddddd
"""
from alembic import op
import sqlalchemy as sa

revision = "eeeeeeeeeeee"
down_revision = "dddddddddddd"
branch_labels = None
depends_on = None

TABLE = "user_account"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.execute("""
        ALTER TABLE user_account ADD COLUMN token uuid DEFAULT gen_random_uuid();  -- # expect: AG406
        CREATE INDEX CONCURRENTLY ix_user_account_token ON user_account (token);  -- # expect: AG402
    """)
    op.execute("ALTER TYPE purchase_state ADD VALUE 'refunded'")  # expect: AG415
    op.execute("UPDATE purchase SET state = 'refunded' WHERE refunded")  # expect: AG420
    op.execute(f"ANALYZE {TABLE}")
    op.execute(f"VACUUM {get_partition_name()}")  # expect: AG421


def downgrade():
    pass
