from alembic import op
import sqlalchemy as sa

revision = "a411"
down_revision = None


def upgrade():
    op.drop_table("audit_log")  # expect: AG411
    op.execute("DROP TABLE IF EXISTS legacy_sessions")  # expect: AG411
    op.create_table("tmp_import", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.drop_table("tmp_import")


def downgrade():
    op.drop_table("new_feature")
