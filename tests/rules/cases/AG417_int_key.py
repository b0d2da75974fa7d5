from alembic import op
import sqlalchemy as sa

revision = "a417"
down_revision = None


def upgrade():
    op.create_table(  # expect: AG417
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("count", sa.Integer()),
    )
    op.create_table("event2", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.add_column("event", sa.Column("user_id", sa.Integer(), nullable=True))  # expect: AG417
    op.add_column("event", sa.Column("attempts", sa.SmallInteger(), nullable=True))
