from alembic import op
import sqlalchemy as sa

revision = "a418"
down_revision = None


def upgrade():
    op.add_column("user", sa.Column("nickname", sa.String(50), nullable=True))  # expect: AG418
    op.add_column("user", sa.Column("bio", sa.Text(), nullable=True))
    op.add_column("user", sa.Column("title", sa.String(), nullable=True))
    op.execute("ALTER TABLE account ADD COLUMN code varchar(10)")  # expect: AG418
