from alembic import op
import sqlalchemy as sa

revision = "a406"
down_revision = None


def upgrade():
    op.add_column("user", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))  # expect: AG406
    op.add_column("user", sa.Column("seen", sa.DateTime(timezone=True), server_default=sa.func.now()))  # now() is stable
    op.add_column("user", sa.Column("rnd", sa.Float(), server_default=sa.func.random()))  # expect: AG406
    op.add_column("user", sa.Column("kind", sa.Text(), server_default="basic"))  # constant: instant on 11+
    op.add_column("user", sa.Column("ref", sa.Text(), server_default=sa.text("make_ref()")))  # expect: AG406
    op.add_column("user", sa.Column("meta", sa.JSON(), server_default=sa.text("'{}'::jsonb")))
    op.add_column("user", sa.Column("seq", sa.BigInteger(), sa.Identity()))  # expect: AG406
    op.execute("ALTER TABLE account ADD COLUMN n bigserial")  # expect: AG406
    op.execute("ALTER TABLE account ADD COLUMN at timestamptz DEFAULT clock_timestamp()")  # expect: AG406
    op.execute("ALTER TABLE account ADD COLUMN total numeric GENERATED ALWAYS AS (a + b) STORED")  # expect: AG406
    op.create_table("log", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.add_column("log", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))  # new table
