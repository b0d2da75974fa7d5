# case: dialect=sqlite
# A batch block that also drops a constraint makes Alembic recreate the table and copy its rows:
# the NOT NULL column fails only if the table has rows (warning, tested in
# tests/rules/test_ag405_sqlite_batch.py); a block of add_column only is a plain ALTER (error).
from alembic import op
import sqlalchemy as sa

revision = "s405b"
down_revision = None


def upgrade():
    with op.batch_alter_table("follower") as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(), nullable=False))  # expect: AG405
        batch_op.drop_constraint("uq_follower_event", type_="unique")
        batch_op.create_index("ix_follower_scope", ["scope"])
    with op.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(), nullable=False))  # expect: AG405
        batch_op.create_index("ix_account_kind", ["kind"])
