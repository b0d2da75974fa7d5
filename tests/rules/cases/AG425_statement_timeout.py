# versions/s1_no_timeout.py
from alembic import op
import sqlalchemy as sa

revision = "s1"
down_revision = None


def upgrade():
    op.create_table("fresh", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))  # expect: AG425
    op.drop_column("user", "legacy")  # reported once per migration

# versions/s2_with_timeout.py
from alembic import op
import sqlalchemy as sa

revision = "s2"
down_revision = "s1"


def upgrade():
    op.execute("SET statement_timeout = '15s'")
    op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))

# versions/s3_lock_timeout_only.py
from alembic import op
import sqlalchemy as sa

revision = "s3"
down_revision = "s2"


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("account", sa.Column("plan", sa.Text(), nullable=True))  # expect: AG425

# versions/s4_timeout_too_late.py
from alembic import op

revision = "s4"
down_revision = "s3"


def upgrade():
    op.execute("ALTER TABLE account ALTER COLUMN plan SET NOT NULL")  # expect: AG425
    op.execute("SET LOCAL statement_timeout TO '15s'")
