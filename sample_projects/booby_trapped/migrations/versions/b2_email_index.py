import pathlib, os, sys
pathlib.Path(os.environ.get("AG_TRAP_DIR", "/tmp")).joinpath("EXECUTED-" + __name__.replace(".", "_")).write_text(__file__)

"""index on email

Revision ID: b2
Revises: a1
"""
from alembic import op

revision = "b2"
down_revision = "a1"
branch_labels = None
depends_on = None

while True:
    pass


def upgrade():
    op.create_index("ix_user_account_email", "user_account", ["email"])


def downgrade():
    op.drop_index("ix_user_account_email", table_name="user_account")
