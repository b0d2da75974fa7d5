"""Suppressions naming unknown codes, or none."""
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.execute("select 1")  # alembic-guard: ignore[AG9999] typo in the code  # expect: AG002
    op.execute("select 2")  # alembic-guard: ignore  # expect: AG002
    # alembic-guard: ignore[AG1O1] letter O, not zero  # expect: AG002
    op.execute("select 3")
    op.execute("select 4")  # alembic-guard: ignore[AG101] known code: not AG002's business


def downgrade():
    pass
