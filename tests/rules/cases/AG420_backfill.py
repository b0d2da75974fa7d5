from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

revision = "a420"
down_revision = None

accounts = sa.table("account", sa.column("status", sa.Text()))


def upgrade():
    op.execute("UPDATE account SET status = 'active'")  # expect: AG420
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM session WHERE expired"))  # expect: AG420
    op.get_bind().exec_driver_sql("INSERT INTO plan (name) VALUES ('free')")  # expect: AG420
    op.execute(accounts.update().values(status="x"))  # expect: AG420
    session = Session(bind=bind)  # expect: AG420
    op.create_table("country", sa.Column("code", sa.Text(), primary_key=True))
    country = sa.table("country", sa.column("code", sa.Text()))
    op.bulk_insert(country, [{"code": "FR"}, {"code": "DE"}])  # seed data for a new table
    op.execute("INSERT INTO country (code) VALUES ('IT')")
    op.bulk_insert(accounts, [{"status": "x"}])  # expect: AG420
    rows = bind.execute(sa.text("SELECT id FROM account")).fetchall()  # reading is not a change
    with op.get_context().autocommit_block():
        conn = op.get_bind()
        while True:  # batched backfill: each statement commits on its own
            result = conn.execute(sa.text("UPDATE account SET status = 'x' WHERE id IN (SELECT id FROM account WHERE status IS NULL LIMIT 500)"))
            if result.rowcount <= 0:
                break
    seed = op.create_table("plan_kind", sa.Column("code", sa.Text(), primary_key=True))
    op.bulk_insert(seed, [{"code": "free"}])  # the table op.create_table returned: seed data
    lookup = sa.Table("currency", sa.MetaData(), sa.Column("code", sa.Text(), primary_key=True))
    lookup.create(op.get_bind())
    op.bulk_insert(lookup, [{"code": "EUR"}])  # created through the connection above
