from alembic import op
import sqlalchemy as sa

revision = "a411b"
down_revision = None


def upgrade():
    op.create_table("tmp_copy", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("CREATE TABLE tmp_raw (id integer)")
    op.drop_table("tmp_copy")  # created above: no finding
    op.drop_table("tmp_raw")  # created above in raw SQL: no finding
    op.drop_table("legacy")  # expect: AG411


def downgrade():
    pass
