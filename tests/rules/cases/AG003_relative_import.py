"""uses a helper next to it

Revision ID: a1
Revises:
"""
from alembic import op

from ._helpers import add_audit_columns  # expect: AG003

revision = "a1"
down_revision = None


def upgrade():
    from . import _more  # inside a function: fails only when upgrade() runs, left to the round trip
    add_audit_columns(op, "account")
