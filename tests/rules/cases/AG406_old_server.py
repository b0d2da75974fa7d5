# case: server-version=10
from alembic import op
import sqlalchemy as sa

revision = "a406b"
down_revision = None


def upgrade():
    op.add_column("user", sa.Column("kind", sa.Text(), server_default="basic"))  # expect: AG406
    op.add_column("user", sa.Column("nick", sa.Text(), nullable=True))
