"""validate, then NOT NULL; unique through a concurrent index

Revision ID: dddddddddddd
Revises: cccccccccccc
"""
from alembic import op
import sqlalchemy as sa

revision = "dddddddddddd"
down_revision = "cccccccccccc"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    # VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and writes continue
    op.execute("ALTER TABLE user_account VALIDATE CONSTRAINT fk_user_referrer")
    op.execute("ALTER TABLE user_account VALIDATE CONSTRAINT ck_user_email")
    op.execute("ALTER TABLE user_account VALIDATE CONSTRAINT user_name_not_null")
    # PostgreSQL 12+ uses the validated CHECK to skip the scan
    op.alter_column("user_account", "name", existing_type=sa.Text(), nullable=False)
    op.drop_constraint("user_name_not_null", "user_account", type_="check")
    with op.get_context().autocommit_block():
        op.create_index("uq_user_name", "user_account", ["name"], unique=True, postgresql_concurrently=True)
    op.execute("ALTER TABLE user_account ADD CONSTRAINT uq_user_name UNIQUE USING INDEX uq_user_name")


def downgrade():
    op.drop_constraint("uq_user_name", "user_account", type_="unique")
    op.alter_column("user_account", "name", existing_type=sa.Text(), nullable=True)
