from alembic import op
import sqlalchemy as sa

revision = "a406b"
down_revision = None


def upgrade():
    op.add_column("event", sa.Column("at", sa.DateTime(), nullable=False, server_default=sa.func.localtimestamp()))
    op.add_column("event", sa.Column("on", sa.Date(), nullable=False, server_default=sa.func.current_date()))
    op.add_column("event", sa.Column("tag", sa.Uuid(), nullable=False, server_default=sa.func.gen_random_uuid()))  # expect: AG406


def downgrade():
    pass
