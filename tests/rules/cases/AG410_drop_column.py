from alembic import op
import sqlalchemy as sa

revision = "a410"
down_revision = None


def upgrade():
    op.drop_column("user", "legacy_name")  # expect: AG410
    op.drop_column("user", "old_flag")  # alembic-guard: ignore[AG410] unused since release 2.3
    op.execute("ALTER TABLE account DROP COLUMN fax")  # expect: AG410
    with op.batch_alter_table("order") as batch_op:
        batch_op.drop_column("coupon")  # expect: AG410
    op.create_table("scratch", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("tmp", sa.Text()))
    op.drop_column("scratch", "tmp")


def downgrade():
    op.drop_column("user", "nickname")  # undoing an upgrade's add_column: expected
