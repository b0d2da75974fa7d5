from alembic import op
import sqlalchemy as sa

revision = "a403b"
down_revision = None


def upgrade():
    # no existing_type: the previous type is the one the downgrade restores
    op.alter_column("pending", "status", nullable=True, type_=sa.TEXT())  # varchar(128) -> text: in place
    op.alter_column("pending", "amount", type_=sa.Numeric(14, 2))  # numeric(10, 2) -> numeric(14, 2): in place
    op.alter_column("pending", "label", type_=sa.String(20))  # expect: AG403
    op.alter_column("pending", "count", type_=sa.BigInteger())  # expect: AG403


def downgrade():
    op.alter_column("pending", "status", nullable=True, type_=sa.VARCHAR(128))
    op.alter_column("pending", "amount", type_=sa.Numeric(10, 2))
    op.alter_column("pending", "label", type_=sa.String(40))  # shorter in the upgrade: a rewrite
