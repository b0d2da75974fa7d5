from alembic import op
import sqlalchemy as sa

revision = "a407"
down_revision = None


def upgrade():
    op.alter_column("user", "email", existing_type=sa.String(255), nullable=False)  # expect: AG407
    op.alter_column("user", "phone", nullable=True)
    op.execute("ALTER TABLE account ALTER COLUMN plan SET NOT NULL")  # expect: AG407
    op.execute("ALTER TABLE profile ADD CONSTRAINT profile_bio_nn CHECK (bio IS NOT NULL) NOT VALID")
    op.execute("ALTER TABLE profile VALIDATE CONSTRAINT profile_bio_nn")
    op.alter_column("profile", "bio", nullable=False)  # proven by the validated constraint (PG 12+)
    with op.batch_alter_table("order") as batch_op:
        batch_op.alter_column("total", nullable=False)  # expect: AG407
    op.create_table("tag", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("name", sa.Text()))
    op.alter_column("tag", "name", nullable=False)


def downgrade():
    op.alter_column("user", "email", nullable=True)
