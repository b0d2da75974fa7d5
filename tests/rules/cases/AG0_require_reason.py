# case: require-reason=true
"""With require-reason, a suppression without a reason is flagged (AG002), besides being unused."""
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.execute("select 1")  # alembic-guard: ignore[AG003]  # expect: AG001,AG002
    op.execute("select 2")  # alembic-guard: ignore[AG003] reasons given  # expect: AG001


def downgrade():
    pass
