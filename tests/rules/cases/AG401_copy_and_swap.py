from alembic import op
import sqlalchemy as sa

revision = "a401cs"
down_revision = None


def upgrade():
    # copy-and-swap: a new table is filled, the old one dropped, the new one renamed into place
    op.create_table("package_tmp", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.Text()))
    op.execute("INSERT INTO package_tmp (id, name) SELECT id, name FROM package")
    op.drop_table("package")
    op.rename_table("package_tmp", "package")
    op.create_index("ix_package_name", "package", ["name"])  # new to running code: no finding
    op.create_index("ix_build_name", "build", ["name"])  # expect: AG401


def downgrade():
    pass
