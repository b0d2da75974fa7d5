from alembic import op
import sqlalchemy as sa

revision = "a412"
down_revision = None


def upgrade():
    op.alter_column("user", "name", new_column_name="full_name")  # expect: AG412
    op.execute("ALTER TABLE account RENAME COLUMN fax TO phone")  # expect: AG412
    with op.batch_alter_table("order") as batch_op:
        batch_op.alter_column("amt", new_column_name="amount")  # expect: AG412
    op.alter_column("user", "email", nullable=True)
    op.create_table("draft", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("x", sa.Text()))
    op.alter_column("draft", "x", new_column_name="body")
