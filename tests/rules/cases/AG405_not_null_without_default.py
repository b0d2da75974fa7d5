from alembic import op
import sqlalchemy as sa

revision = "a405"
down_revision = None


def upgrade():
    op.add_column("user", sa.Column("status", sa.String(20), nullable=False))  # expect: AG405
    op.add_column("user", sa.Column("tier", sa.Integer(), nullable=False, default=1))  # expect: AG405
    op.add_column("user", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("user", sa.Column("score", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("user", sa.Column("nick", sa.Text(), nullable=True))
    op.add_column("user", sa.Column("bio", sa.Text()))
    op.add_column(  # expect: AG405
        "user",
        sa.Column("region", sa.Text(), nullable=False),
    )
    op.execute("ALTER TABLE account ADD COLUMN plan text NOT NULL")  # expect: AG405
    op.execute("ALTER TABLE account ADD COLUMN kind text NOT NULL DEFAULT 'basic'")
    op.execute("ALTER TABLE account ADD COLUMN seq bigserial NOT NULL")  # generated for every row: AG406's business
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("locale", sa.Text(), nullable=False))  # expect: AG405
    op.create_table("team", sa.Column("id", sa.BigInteger(), primary_key=True))
    op.add_column("team", sa.Column("name", sa.Text(), nullable=False))  # new table: fine
