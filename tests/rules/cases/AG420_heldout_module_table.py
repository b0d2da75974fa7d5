# Held-out (apache/airflow 1507a7289a2f): a module-level `sa.Table` helper updated in upgrade().
import sqlalchemy as sa
from alembic import op

revision = "h420"
down_revision = None

connectionhelper = sa.Table(
    "connection", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("is_encrypted")
)
new_helper = sa.table("brand_new", sa.column("id"))


def upgrade():
    op.add_column("connection", sa.Column("is_encrypted", sa.Boolean, unique=False, default=False))
    conn = op.get_bind()
    conn.execute(connectionhelper.update().values(is_encrypted=False))  # expect: AG420
    op.create_table("brand_new", sa.Column("id", sa.BigInteger(), primary_key=True))
    conn.execute(new_helper.insert().values(id=1))  # table created above: fine
