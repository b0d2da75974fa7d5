# case: dialect=sqlite
from alembic import op
import sqlalchemy as sa

revision = "s405"
down_revision = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("status", sa.Text(), nullable=False))  # expect: AG405
        batch_op.add_column(sa.Column("score", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("user", sa.Column("pg_only", sa.Text(), nullable=False))  # not run on SQLite
