"""Meta rules together: unused suppressions (AG001) next to used and unknown ones."""
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.execute("select 1")  # alembic-guard: ignore[AG003] nothing to suppress here  # expect: AG001
    # alembic-guard: ignore[AG0] comment alone on its line, nothing below to suppress  # expect: AG001
    op.execute("select 2")
    op.execute("select 3")  # alembic-guard: ignore[AGX] not a code  # expect: AG002


def downgrade():
    pass
