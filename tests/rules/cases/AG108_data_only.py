# versions/a1_create_user.py
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    op.create_table("user", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("user")
# versions/b2_check_data.py
from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    # only reads and asserts: there is no schema change to undo
    rows = op.get_bind().execute(sa.text("SELECT count(*) FROM users WHERE email IS NULL")).scalar()
    assert rows == 0, "fix the data first"


def downgrade():
    pass
# versions/c3_fix_data.py
from alembic import op

revision = "c3"
down_revision = "b2"


def upgrade():
    op.execute("UPDATE users SET plan = 'free' WHERE plan IS NULL")


def downgrade():
    pass
# versions/d4_add_column.py
from alembic import op
import sqlalchemy as sa

revision = "d4"
down_revision = "c3"


def upgrade():
    op.execute("UPDATE users SET plan = 'free' WHERE plan IS NULL")
    op.add_column("user", sa.Column("plan", sa.Text()))


def downgrade():  # expect: AG108
    pass
