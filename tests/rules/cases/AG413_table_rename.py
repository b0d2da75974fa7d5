from alembic import op
import sqlalchemy as sa

revision = "a413"
down_revision = None


def upgrade():
    op.rename_table("customer", "client")  # expect: AG413
    op.execute("ALTER TABLE vendor RENAME TO supplier")  # expect: AG413
    op.rename_table("shop", "store")
    op.execute("CREATE VIEW shop AS SELECT * FROM store")
    op.create_table("draft", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.rename_table("draft", "post")
