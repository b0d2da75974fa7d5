"""Minimal Alembic projects for pytest-alembic's example situations (written into a tmp folder).

Each project is the stock `alembic init` layout: alembic.ini with `prepend_sys_path = .`, the
generic env.py that reads `sqlalchemy.url` (plus the cookbook's `config.attributes["connection"]`)
and imports its models from a sibling module at the project root, and a linear history whose
revision ids are r1, r2, ... (file names `r1_*.py`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
sqlalchemy.url = {url}
"""

ENV_PY = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

from models import Base  # a sibling module at the project root (prepend_sys_path = .)

config = context.config
target_metadata = Base.metadata


def run_migrations_online():
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                         prefix="sqlalchemy.", poolclass=pool.NullPool)
        with connectable.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connectable, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
'''

MODELS_PLAN = '''\
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Plan(Base):
    __tablename__ = "plan"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50), nullable=False)
'''

HEADER = '''\
"""{doc}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}
branch_labels = None
depends_on = None

'''

CREATE_PLAN = """
def upgrade():
    op.create_table("plan", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(50), nullable=False))


def downgrade():
    op.drop_table("plan")
"""

# a data migration that needs a row of `plan` (fails on an empty table)
NEEDS_SEED = """
def upgrade():
    free = op.get_bind().execute(sa.text("SELECT id FROM plan WHERE name = 'free'")).scalar_one()
    op.add_column("plan", sa.Column("fallback_id", sa.Integer, server_default=str(free)))


def downgrade():
    op.drop_column("plan", "fallback_id")
"""


def write_project(root: Path, revisions: list[tuple[str, str]], *, models: str = MODELS_PLAN,
                  pyproject: str = "", url: str = "postgresql://postgres@127.0.0.1:5432/app") -> Path:
    """A project at `root` with `revisions` = [(docstring, body)], ids r1, r2, ... in order."""
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(INI.format(url=url))
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "models.py").write_text(models)
    (root / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    down = None
    for i, (doc, body) in enumerate(revisions, 1):
        rev = f"r{i}"
        text = HEADER.format(doc=doc, rev=rev, down=down) + textwrap.dedent(body)
        (root / "migrations" / "versions" / f"{rev}_{doc.split()[0].lower()}.py").write_text(text)
        down = rev
    return root
