from alembic import op
import sqlalchemy as sa

revision = "a408"
down_revision = None


def upgrade():
    op.create_unique_constraint("uq_user_email", "user", ["email"])  # expect: AG408
    op.create_primary_key("pk_legacy", "legacy", ["id"])  # expect: AG408
    op.add_column("user", sa.Column("handle", sa.Text(), unique=True))  # expect: AG408
    op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_code UNIQUE (code)")  # expect: AG408
    op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_ref UNIQUE USING INDEX uq_account_ref")
    op.execute("ALTER TABLE account ADD PRIMARY KEY USING INDEX account_pkey_idx")
    op.create_table("tag", sa.Column("id", sa.BigInteger()), sa.Column("name", sa.Text()))
    op.create_unique_constraint("uq_tag_name", "tag", ["name"])
    op.create_primary_key("pk_tag", "tag", ["id"])
