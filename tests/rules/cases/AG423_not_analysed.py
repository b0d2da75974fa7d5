from alembic import op
import sqlalchemy as sa
from migrations.helpers import add_audit_columns
import logging

revision = "a423"
down_revision = None

log = logging.getLogger(__name__)


def upgrade():
    add_audit_columns(op, "invoice")  # expect: AG423
    getattr(op, "drop_" + "column")("user", "x")  # expect: AG423
    log.info("done")
    op.add_column("user", sa.Column("x", sa.Text(), nullable=True))
    globals()["upgrade_%s" % "engine1"]()  # expect: AG423
    HANDLERS["x"](op)  # expect: AG423
    columns = {"a": 1}["a"]  # a subscript that is not called: fine
