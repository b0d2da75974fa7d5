"""Build small Alembic projects (a linear chain of revisions) and trace them on real PostgreSQL."""

from __future__ import annotations

import textwrap
from pathlib import Path

from alembic_guard import settings as settings_mod
from alembic_guard.project import Project

ENV_PY = '''
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''

ASYNC_ENV_PY = '''
import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import async_engine_from_config
from sqlalchemy import pool

config = context.config


def do_run_migrations(connection):
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations():
    connectable = async_engine_from_config(config.get_section(config.config_ini_section, {}),
                                           prefix="sqlalchemy.", poolclass=pool.NullPool)
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()


asyncio.run(run_async_migrations())
'''

INI = """[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
sqlalchemy.url = {url}
"""


def revision_id(i: int) -> str:
    return f"{i:04d}" + "a" * 8


def make_project(root: Path, bodies: list, *, env_py: str = ENV_PY, helpers: str | None = None,
                 url: str = "postgresql://postgres@127.0.0.1:5432/app", pyproject: str | None = None) -> Path:
    """A project whose revision i (0-based) runs `bodies[i]` as its upgrade() body (any number of
    lines); a tuple (upgrade, downgrade) gives the downgrade body too (default: pass)."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text(INI.format(url=url))
    (root / "migrations" / "env.py").write_text(env_py)
    if helpers is not None:
        (root / "migration_helpers.py").write_text(textwrap.dedent(helpers))
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    for i, body in enumerate(bodies):
        body, down_body = body if isinstance(body, tuple) else (body, "pass")
        down = repr(revision_id(i - 1)) if i else "None"
        text = (f'"""revision {i}"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
                f'revision = {revision_id(i)!r}\ndown_revision = {down}\n\n\ndef upgrade():\n'
                + textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
                + "\n\ndef downgrade():\n" + textwrap.indent(textwrap.dedent(down_body).strip() + "\n", "    "))
        (versions / f"{revision_id(i)}_rev{i}.py").write_text(text)
    return root


def load(root: Path, **overrides) -> Project:
    return Project.load(settings_mod.load(root, **overrides))


def line_of(root: Path, i: int, needle: str) -> int:
    """The line number of the first line of revision i's file that contains `needle`."""
    path = root / "migrations" / "versions" / f"{revision_id(i)}_rev{i}.py"
    for n, text in enumerate(path.read_text().splitlines(), 1):
        if needle in text:
            return n
    raise AssertionError(f"{needle!r} not in {path}")
