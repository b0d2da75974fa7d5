from alembic import op as o
import sqlalchemy as sa

revision = "a401"
down_revision = None

INDEXED = ("invoice", "payment")


def _index(table, column="created_at"):
    o.create_index(f"ix_{table}_{column}", table, [column])  # expect: AG401


def upgrade():
    o.create_index("ix_user_email", "user", ["email"])  # expect: AG401
    o.create_index(o.f("ix_user_name"), "user", ["name"], unique=True)  # expect: AG401
    with o.get_context().autocommit_block():
        o.create_index("ix_user_login", "user", ["login"], postgresql_concurrently=True)
    o.create_table("audit", sa.Column("id", sa.BigInteger(), primary_key=True))
    o.create_index("ix_audit_id", "audit", ["id"])  # created above: empty, no finding
    o.execute("CREATE INDEX ix_user_age ON public.user (age)")  # expect: AG401
    o.execute(sa.text("CREATE INDEX ix_audit_at ON audit (at)"))  # the table is new
    with o.get_context().autocommit_block():
        o.execute("CREATE INDEX CONCURRENTLY ix_user_zip ON \"user\" (zip)")
    with o.batch_alter_table("order") as batch_op:
        batch_op.create_index("ix_order_total", ["total"])  # expect: AG401
    _index("invoice")
    for table in INDEXED[1:]:
        _index(table, column="paid_at")
    country = sa.Table("country", sa.MetaData(), sa.Column("code", sa.Text()))
    country.create(o.get_bind())
    o.create_index("ix_country_code", "country", ["code"])  # created through the connection above


def downgrade():
    o.create_index("ix_user_email", "user", ["email"])  # downgrades are not linted for locks