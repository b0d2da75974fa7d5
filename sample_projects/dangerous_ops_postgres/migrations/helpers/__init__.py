"""Migration helpers shared by several revisions (the static reader cannot see into them)."""

import sqlalchemy as sa


def add_audit_columns(op, table):
    op.add_column(table, sa.Column("created_by", sa.Text(), nullable=False))
