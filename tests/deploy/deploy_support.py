"""Helpers for the deploy-moment tests: generated Alembic projects and real databases put in a
given migration state, read by a role that may only SELECT."""

from __future__ import annotations

import uuid
from pathlib import Path

ENV_PY = '''\
import os

from alembic import context

config = context.config
OPTIONS = dict({options})


def run_migrations_offline():
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, {configure})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    from sqlalchemy import create_engine, pool

    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, {configure})
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

REVISION = '''\
"""{message}

Revision ID: {rid}
Revises: {revises}
"""
from alembic import op
import sqlalchemy as sa

revision = {rid!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = None


def upgrade():
    op.add_column("account", sa.Column("c_{rid}", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("account", "c_{rid}")
'''


def make_project(root: Path, revisions, *, url="postgresql://app@127.0.0.1/app", version_table=None, version_table_schema=None) -> Path:
    """An Alembic project at `root`; `revisions` = [(id, down_revision, branch_labels, message)]."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    configure = []
    if version_table:
        configure.append(f"version_table={version_table!r}")
    if version_table_schema:
        configure.append(f"version_table_schema={version_table_schema!r}")
    (root / "alembic.ini").write_text(f"[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url}\n")
    (root / "migrations" / "env.py").write_text(ENV_PY.format(options="", configure=", ".join(configure)))
    (root / "migrations" / "script.py.mako").write_text(
        (Path(__file__).resolve().parents[2] / "sample_projects" / "two_heads" / "migrations" / "script.py.mako").read_text()
    )
    for rid, down, labels, message in revisions:
        revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
        (versions / f"{rid}_{message.replace(' ', '_')}.py").write_text(
            REVISION.format(rid=rid, down=down, labels=labels, message=message, revises=revises)
        )
    return root


LINEAR = [
    ("rev001", None, None, "create account"),
    ("rev002", "rev001", None, "add name"),
    ("rev003", "rev002", None, "add email"),
    ("rev004", "rev003", None, "add phone"),
]
BRANCHED = [
    ("base01", None, None, "create account"),
    ("exp001", "base01", ("expand",), "expand one"),
    ("exp002", "exp001", None, "expand two"),
    ("con001", "base01", ("contract",), "contract one"),
]


# ---------------------------------------------------------------------- databases
READONLY_PASSWORD = "Gate-Pw-" + uuid.uuid4().hex[:10]


class _Target:
    """Puts a database in a migration state by writing its version table as the admin."""

    q = '"'  # identifier quote

    def qualified(self, table: str, schema: str | None) -> str:
        q = self.q
        return f"{q}{schema}{q}.{q}{table}{q}" if schema else f"{q}{table}{q}"

    def set_state(self, rows, table="alembic_version", schema=None) -> None:
        """rows=None: no version table at all."""
        qualified = self.qualified(table, schema)
        with self.db_admin.connect() as c:
            c.exec_driver_sql(f"DROP TABLE IF EXISTS {qualified}")
            if rows is None:
                return
            c.exec_driver_sql(f"CREATE TABLE {qualified} (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
            for r in rows:
                c.exec_driver_sql(f"INSERT INTO {qualified} VALUES ('{r}')")

    def rows(self, table="alembic_version", schema=None):
        with self.db_admin.connect() as c:
            return sorted(r[0] for r in c.exec_driver_sql(f"SELECT version_num FROM {self.qualified(table, schema)}"))


class PgTarget(_Target):
    """A throwaway PostgreSQL database + a login role that may only SELECT in it."""

    dialect = "postgresql"
    schema = "deploy_meta"

    def __init__(self, admin_url: str):
        import sqlalchemy as sa

        self.sa = sa
        self.name = "ag_gate_" + uuid.uuid4().hex[:10]
        self.role = self.name + "_ro"
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with self.admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            c.exec_driver_sql(f"CREATE ROLE \"{self.role}\" LOGIN PASSWORD '{READONLY_PASSWORD}'")
            c.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{self.name}" TO "{self.role}"')
        base = sa.engine.make_url(admin_url)
        self.db_admin = sa.create_engine(base.set(database=self.name), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.admin_db_url = base.set(database=self.name).render_as_string(hide_password=False)
        self.url = base.set(database=self.name, username=self.role, password=READONLY_PASSWORD).render_as_string(hide_password=False)
        with self.db_admin.connect() as c:
            c.exec_driver_sql(f"CREATE SCHEMA {self.schema}")
            for schema in ("public", self.schema):
                c.exec_driver_sql(f'GRANT USAGE ON SCHEMA {schema} TO "{self.role}"')
                c.exec_driver_sql(f'ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO "{self.role}"')
            c.exec_driver_sql('REVOKE CREATE ON SCHEMA public FROM PUBLIC')

    def write_counters(self, table="alembic_version", expect_inserted=None) -> tuple:
        """(n_tup_ins, n_tup_upd, n_tup_del) of the version table, as the server counts them.

        Statistics reach the server when a backend ends or idles, so wait until the rows the test
        itself inserted are counted (then the counters are stable)."""
        import time

        for _ in range(100):
            with self.db_admin.connect() as c:
                row = c.exec_driver_sql(
                    "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE relname = %(t)s",
                    {"t": table},
                ).one_or_none()
            if row is not None and (expect_inserted is None or row[0] >= expect_inserted):
                return tuple(int(v) for v in row)
            time.sleep(0.1)
        raise AssertionError(f"statistics for {table} never showed {expect_inserted} inserted rows")

    def drop(self) -> None:
        with self.admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            c.exec_driver_sql(f'DROP ROLE IF EXISTS "{self.role}"')
        self.db_admin.dispose()
        self.admin.dispose()


class MariaTarget(_Target):
    """A throwaway MariaDB database (+ a second one as the version table's schema) and a user with
    SELECT only."""

    dialect = "mysql"
    q = "`"

    def __init__(self, admin_url: str):
        import sqlalchemy as sa

        self.sa = sa
        self.name = "ag_gate_" + uuid.uuid4().hex[:10]
        self.schema = self.name + "_meta"
        self.user = self.name[-12:] + "ro"
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with self.admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE `{self.name}`")
            c.exec_driver_sql(f"CREATE DATABASE `{self.schema}`")
            for host in ("%", "localhost", "127.0.0.1"):
                h = host.replace("%", "%%")  # the driver formats %-placeholders
                c.exec_driver_sql(f"CREATE USER '{self.user}'@'{h}' IDENTIFIED BY '{READONLY_PASSWORD}'")
                for db in (self.name, self.schema):
                    c.exec_driver_sql(f"GRANT SELECT ON `{db}`.* TO '{self.user}'@'{h}'")
        base = sa.engine.make_url(admin_url)
        self.db_admin = sa.create_engine(base.set(database=self.name), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.admin_db_url = base.set(database=self.name).render_as_string(hide_password=False)
        self.url = base.set(database=self.name, username=self.user, password=READONLY_PASSWORD).render_as_string(hide_password=False)

    def write_counters(self, table="alembic_version", expect_inserted=None) -> tuple:
        # MariaDB keeps no per-table write counters by default; the SELECT-only user is the proof
        return ()

    def drop(self) -> None:
        with self.admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS `{self.name}`")
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS `{self.schema}`")
            for host in ("%", "localhost", "127.0.0.1"):
                c.exec_driver_sql(f"DROP USER IF EXISTS '{self.user}'@'{host.replace('%', '%%')}'")
        self.db_admin.dispose()
        self.admin.dispose()
