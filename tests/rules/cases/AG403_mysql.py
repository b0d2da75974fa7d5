# case: dialect=mysql
from alembic import op
import sqlalchemy as sa

revision = "m403"
down_revision = None


def upgrade():
    op.alter_column("user", "age", type_=sa.BigInteger(), existing_type=sa.Integer())  # expect: AG403
    op.alter_column("user", "bio", type_=sa.String(300), existing_type=sa.String(200))
