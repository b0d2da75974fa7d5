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
    cleanup = text("UPDATE sessions SET state = :state").bindparams(state="closed")
    op.execute(cleanup)
    q = make_query()
    op.execute(q)  # expect: AG421
