# case: dialect=postgresql
# A text object bound to a name (and re-bound with its parameters) is read where it runs: not
# reported as unreadable (its UPDATE is analysed: AG420_sql_text_bound_to_name.py). SQL that comes
# from another module's function is.
from alembic import op
from sqlalchemy import text

from myapp.sql import make_query

revision = "t421b"
down_revision = None


def upgrade():
    conn = op.get_bind()
    for body, rid in conn.execute(text("SELECT body, id FROM authorities")):
        stmt = text("UPDATE certificates SET root_authority_id = :rid WHERE body = :body")
        stmt = stmt.bindparams(rid=rid, body=body)
        op.execute(stmt)
    plain = text("DELETE FROM audit_log WHERE created < now() - interval '1 year'")
    op.execute(plain)
    q = make_query()
    op.execute(q)  # expect: AG421
