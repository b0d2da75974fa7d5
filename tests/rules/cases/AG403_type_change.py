from alembic import op
import sqlalchemy as sa

revision = "a403"
down_revision = None


def upgrade():
    op.alter_column("account", "balance", type_=sa.BigInteger(), existing_type=sa.Integer())  # expect: AG403
    op.alter_column("account", "note", type_=sa.Text())  # expect: AG403
    op.alter_column("account", "name", type_=sa.Text(), existing_type=sa.String(50))  # binary coercible
    op.alter_column("account", "code", type_=sa.String(100), existing_type=sa.String(20))  # longer varchar
    op.alter_column("account", "short", type_=sa.String(10), existing_type=sa.String(20))  # expect: AG403
    op.alter_column("account", "amount", type_=sa.Numeric(12, 2), existing_type=sa.Numeric(10, 2))
    op.alter_column("account", "flag", nullable=True)  # no type change
    op.execute("ALTER TABLE account ALTER COLUMN created TYPE timestamptz")  # expect: AG403
    with op.batch_alter_table("account") as batch_op:
        batch_op.alter_column("kind", type_=sa.Enum("a", "b", name="kind"))  # expect: AG403
    op.create_table("fresh", sa.Column("id", sa.Integer(), primary_key=True))
    op.alter_column("fresh", "id", type_=sa.BigInteger())  # new table


def downgrade():
    op.alter_column("account", "balance", type_=sa.Integer(), existing_type=sa.BigInteger())
