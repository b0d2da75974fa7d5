"""reflects the database

Revision ID: ffffffffffff
Revises: eeeeeeeeeeee
"""
from alembic import op
import sqlalchemy as sa

from models import User  # expect: AG422

revision = "ffffffffffff"
down_revision = "eeeeeeeeeeee"
branch_labels = None
depends_on = None


def upgrade():
    columns = [c["name"] for c in sa.inspect(op.get_bind()).get_columns(User.__tablename__)]
    if "nickname" not in columns:
        op.execute("SET lock_timeout = '5s'")
        op.add_column("user_account", sa.Column("nickname", sa.Text(), nullable=True))


def downgrade():
    pass
