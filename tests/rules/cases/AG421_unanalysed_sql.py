from alembic import op
import sqlalchemy as sa

revision = "a421"
down_revision = None

SCHEMA = "public"


def upgrade():
    name = compute_name()
    op.execute(f"CREATE INDEX ix ON {name} (a)")  # expect: AG421
    op.execute("ALTER TABLE " + name + " ADD COLUMN b int")  # expect: AG421
    op.execute(f"SET search_path TO {SCHEMA}")  # resolvable: analysed
    op.execute(sql_from_somewhere)  # expect: AG421
    op.execute("THIS IS NOT SQL")  # expect: AG421
    op.get_bind().execute(sa.text(query))  # expect: AG421
