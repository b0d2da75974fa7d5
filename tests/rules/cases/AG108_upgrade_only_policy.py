# No revision of this history has a downgrade: the project is upgrade-only by policy (silent).
# versions/a1_create_user.py
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    op.create_table("user", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    pass
# versions/b2_add_email.py
from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("user", sa.Column("email", sa.Text()))


def downgrade():
    pass
# versions/c3_add_phone.py
from alembic import op
import sqlalchemy as sa

revision = "c3"
down_revision = "b2"


def upgrade():
    op.add_column("user", sa.Column("phone", sa.Text()))
