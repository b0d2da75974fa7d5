"""constraints in two steps

Revision ID: cccccccccccc
Revises: bbbbbbbbbbbb
"""
from alembic import op
import sqlalchemy as sa

revision = "cccccccccccc"
down_revision = "bbbbbbbbbbbb"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("user_account", sa.Column("referrer_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        "fk_user_referrer", "user_account", "user_account", ["referrer_id"], ["id"], postgresql_not_valid=True
    )
    op.create_check_constraint("ck_user_email", "user_account", "email <> ''", postgresql_not_valid=True)
    op.execute("ALTER TABLE user_account ADD CONSTRAINT user_name_not_null CHECK (name IS NOT NULL) NOT VALID")


def downgrade():
    op.drop_constraint("user_name_not_null", "user_account", type_="check")
    op.drop_constraint("ck_user_email", "user_account", type_="check")
    op.drop_constraint("fk_user_referrer", "user_account", type_="foreignkey")
    op.drop_column("user_account", "referrer_id")
