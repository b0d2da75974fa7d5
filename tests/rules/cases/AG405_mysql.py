# case: dialect=mysql
from alembic import op
import sqlalchemy as sa

revision = "m405"
down_revision = None


def upgrade():
    op.add_column("user", sa.Column("status", sa.String(20), nullable=False))  # expect: AG405
    op.add_column("user", sa.Column("score", sa.Integer(), nullable=False, server_default="0"))
