# versions/a1_create_user.py
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    op.create_table("user", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():  # expect: AG108
    pass
# versions/b2_add_email.py
from alembic import op
import sqlalchemy as sa

revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("user", sa.Column("email", sa.Text()))


def downgrade():
    """Irreversible: the old values are gone."""
    raise NotImplementedError("cannot restore")  # expect: AG108
# versions/c3_add_phone.py
from alembic import op
import sqlalchemy as sa

revision = "c3"
down_revision = "b2"


def upgrade():  # expect: AG108
    op.add_column("user", sa.Column("phone", sa.Text()))
# versions/d4_docstring_only.py
from alembic import op
import sqlalchemy as sa

revision = "d4"
down_revision = "c3"


def upgrade():
    op.add_column("user", sa.Column("age", sa.Integer()))


def downgrade():  # expect: AG108
    """Nothing to do."""
    ...
# versions/e5_merge.py
revision = "e5"
down_revision = "d4"


def upgrade():
    pass


def downgrade():
    pass
# versions/f6_reversible.py
from alembic import op

revision = "f6"
down_revision = "e5"


def upgrade():
    op.drop_column("user", "age")


def downgrade():
    if op.get_context().dialect.name == "sqlite":
        raise NotImplementedError
    op.execute("alter table user add column age integer")
# versions/g7_read_only_check.py
from alembic import op
import sqlalchemy as sa

revision = "g7"
down_revision = "f6"


def upgrade():
    bind = op.get_bind()
    n = bind.execute(sa.text("SELECT count(*) FROM user")).scalar()
    assert n is not None
    assert bind.execute(sa.select(sa.literal(1))).scalar() == 1


def downgrade():
    pass
# versions/h8_execute_writes.py
from alembic import op
import sqlalchemy as sa

revision = "h8"
down_revision = "g7"


def upgrade():
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE user SET age = 0"))


def downgrade():  # expect: AG108
    pass
