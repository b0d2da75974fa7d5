from alembic import op
import sqlalchemy as sa

revision = "a419"
down_revision = None


def upgrade():
    op.add_column("user", sa.Column("last_seen", sa.DateTime(), nullable=True))  # expect: AG419
    op.add_column("user", sa.Column("created", sa.DateTime(timezone=True), nullable=True))
    op.execute("ALTER TABLE account ADD COLUMN closed_at timestamp")  # expect: AG419
    op.execute("ALTER TABLE account ADD COLUMN opened_at timestamptz")
