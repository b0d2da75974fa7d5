"""Helpers for the sandbox tests: look at the real servers from the outside (plain SQLAlchemy,
not the code under test)."""

from __future__ import annotations

import contextlib
import secrets

import sqlalchemy as sa


def run_sql(url: str, *statements: str, params: dict | None = None):
    """Run statements in autocommit on `url`; return the rows of the last one (if any)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = None
            for stmt in statements:
                result = conn.execute(sa.text(stmt), params or {})
            return result.all() if result is not None and result.returns_rows else []
    finally:
        engine.dispose()


def database_names(admin_url: str) -> set[str]:
    if admin_url.startswith("postgresql"):
        return {r[0] for r in run_sql(admin_url, "SELECT datname FROM pg_database")}
    return {r[0] for r in run_sql(admin_url, "SHOW DATABASES")}


def with_database(admin_url: str, name: str) -> str:
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def assert_untouched(keeper) -> None:
    name, url = keeper
    assert run_sql(url, "SELECT id FROM precious") == [(42,)], f"pre-existing database {name} was modified"


@contextlib.contextmanager
def pg_role(admin_url: str, password: str, *, createdb: bool):
    """A temporary PostgreSQL login role; yields (role name, URL logging in as it)."""
    role = f"ag_test_{secrets.token_hex(4)}"
    run_sql(admin_url, f"CREATE ROLE {role} LOGIN {'CREATEDB' if createdb else 'NOCREATEDB'} PASSWORD '{password}'")
    try:
        yield role, sa.engine.make_url(admin_url).set(username=role, password=password).render_as_string(hide_password=False)
    finally:
        run_sql(admin_url, f"DROP ROLE IF EXISTS {role}")
