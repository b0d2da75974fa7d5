# case: dialect=postgresql
# The SQL of a text object bound to a name, re-bound with its parameters, is analysed where
# `op.execute(name)` runs it (it used to be AG421 "cannot be read statically").
from alembic import op
from sqlalchemy import text

revision = "t420b"
down_revision = None


def upgrade():
    conn = op.get_bind()
    for body, rid in conn.execute(text("SELECT body, id FROM authorities")):
        stmt = text("UPDATE certificates SET root_authority_id = :rid WHERE body = :body")
        stmt = stmt.bindparams(rid=rid, body=body)
        op.execute(stmt)  # expect: AG420
    plain = text("DELETE FROM audit_log WHERE created < now() - interval '1 year'")
    op.execute(plain)  # expect: AG420
    later = text("SELECT 1")
    op.execute(later)
