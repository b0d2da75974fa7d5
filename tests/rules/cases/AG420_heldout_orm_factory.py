# Held-out (apache/airflow cc1e65623dc7): a session factory made, then called, in upgrade().
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "h420b"
down_revision = None


def upgrade():
    op.add_column("task_instance", sa.Column("max_tries", sa.Integer, server_default="-1"))
    connection = op.get_bind()
    sessionmaker = sa.orm.sessionmaker()  # expect: AG420
    session = sessionmaker(bind=connection)  # the same session: reported once, above
    session.commit()
    other = Session(bind=connection)  # expect: AG420
    other.close()
