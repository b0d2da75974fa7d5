import pathlib, os, sys
pathlib.Path(os.environ.get("AG_TRAP_DIR", "/tmp")).joinpath("EXECUTED-" + __name__.replace(".", "_")).write_text(__file__)

"""audit log table

Revision ID: c3
Revises: b2
"""
import sqlalchemy as sa
from alembic import op

from app import models  # noqa: F401  (a revision importing the app)

revision = "c3"
down_revision = "b2"
branch_labels = None
depends_on = None

raise SystemExit(6)


def upgrade():
    op.create_table("audit_log", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.add_column("user_account", sa.Column("tier", sa.Integer(), nullable=False))


def downgrade():
    op.drop_column("user_account", "tier")
    op.drop_table("audit_log")
