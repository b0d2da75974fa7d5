from alembic import op
import sqlalchemy as sa

revision = "a412b"
down_revision = None


def upgrade():
    op.add_column("item", sa.Column("new_owner_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE item SET new_owner_id = owner_uuid")
    op.drop_column("item", "owner_id")
    op.alter_column("item", "new_owner_id", new_column_name="owner_id")  # added above: no finding
    op.alter_column("item", "title", new_column_name="name")  # expect: AG412


def downgrade():
    pass
