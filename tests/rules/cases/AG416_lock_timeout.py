# versions/b1_no_timeout.py
from alembic import op
import sqlalchemy as sa

revision = "b1"
down_revision = None


def upgrade():
    op.create_table("fresh", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.add_column("fresh", sa.Column("x", sa.Text()))  # new table: takes no lock anyone waits for
    op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))  # expect: AG416
    op.drop_column("user", "legacy")  # reported once per migration

# versions/b2_with_timeout.py
from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "b1"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))

# versions/b3_timeout_too_late.py
from alembic import op

revision = "b3"
down_revision = "b2"


def upgrade():
    op.execute("ALTER TABLE account ALTER COLUMN plan SET NOT NULL")  # expect: AG416
    op.execute("SET LOCAL lock_timeout TO '2s'")

# versions/b4_concurrent_only.py
from alembic import op

revision = "b4"
down_revision = "b3"


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_a", "user", ["a"], postgresql_concurrently=True)
