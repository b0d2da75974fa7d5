"""Read-only connections to a live database: the only way the gate (and its production sizing)
touches a database it did not create.

- PostgreSQL: the session is opened with `default_transaction_read_only=on` (a connect option) and
  the work happens inside a `READ ONLY` transaction;
- MySQL / MariaDB: `START TRANSACTION READ ONLY`;
- SQLite: the file is opened with `mode=ro`.

The transaction is always rolled back. This module must not issue any statement itself beyond
setting up that transaction: callers run their SELECTs on the connection it yields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic_guard.errors import DatabaseUnavailable, GuardError
from alembic_guard.masking import mask_secrets, mask_url

_ASYNC_DRIVERS = {
    "postgresql+asyncpg": "postgresql+psycopg2",
    "postgresql+psycopg_async": "postgresql+psycopg",
    "mysql+aiomysql": "mysql+pymysql",
    "mysql+asyncmy": "mysql+pymysql",
    "mariadb+aiomysql": "mariadb+pymysql",
    "mariadb+asyncmy": "mariadb+pymysql",
    "sqlite+aiosqlite": "sqlite",
}


def _sync_url(url: str) -> str:
    for prefix, sync in _ASYNC_DRIVERS.items():
        if url.startswith(prefix + "://"):
            return sync + url[len(prefix):]
    return url


def readonly_engine(url: str):
    """An engine whose connections cannot write (see `readonly_connection`)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(_sync_url(url))
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise GuardError(f"--db-url {mask_url(url)}: not a database URL", hint="use e.g. postgresql://user@host/db") from None
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=_installed_driver(backend))
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["options"] = "-c default_transaction_read_only=on"
        connect_args["connect_timeout"] = 10
    elif backend in ("mysql", "mariadb"):
        connect_args["connect_timeout"] = 10
    elif backend == "sqlite":
        db = parsed.database
        if not db or db == ":memory:":
            raise GuardError("--db-url: an in-memory SQLite database has no version table to read")
        if not Path(db).is_file():
            raise DatabaseUnavailable(f"SQLite database {db}: no such file", url=mask_url(url))
        parsed = parsed.set(database=f"file:{Path(db).resolve()}?mode=ro", query={**parsed.query, "uri": "true"})
    try:
        return sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except NoSuchModuleError:
        raise GuardError(f"--db-url {mask_url(url)}: SQLAlchemy has no dialect {parsed.drivername!r}") from None
    except ImportError as exc:
        extra = " (pip install 'alembic-guard[mysql]')" if backend in ("mysql", "mariadb") else ""
        raise GuardError(f"--db-url {mask_url(url)}: the database driver is not installed: {exc}{extra}") from None


def _installed_driver(backend: str) -> str:
    """A bare `postgresql://` or `mysql://` means SQLAlchemy's default driver; fall back to one that
    is installed (SQLAlchemy 2.1 defaults PostgreSQL to psycopg 3, this package ships psycopg2)."""
    import importlib.util

    choices = {"postgresql": ("psycopg2", "psycopg"), "mysql": ("pymysql", "MySQLdb"), "mariadb": ("pymysql", "MySQLdb")}
    for module in choices.get(backend, ()):
        if importlib.util.find_spec(module) is not None:
            return f"{backend}+{'mysqldb' if module == 'MySQLdb' else module}"
    return backend


class readonly_connection:  # noqa: N801 - used as a context manager, like a function
    """`with readonly_connection(url) as conn:` — a connection inside a READ ONLY transaction that is
    always rolled back. Writing through it fails on the server."""

    def __init__(self, url: str):
        self.url = url
        self.engine = None
        self.conn = None

    def __enter__(self):
        from sqlalchemy.exc import SQLAlchemyError

        self.engine = readonly_engine(self.url)
        backend = self.engine.dialect.name
        try:
            self.conn = self.engine.connect()
            if backend == "postgresql":
                self.conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            elif backend in ("mysql", "mariadb"):
                self.conn.exec_driver_sql("START TRANSACTION READ ONLY")
        except SQLAlchemyError as exc:
            self._close()
            raise DatabaseUnavailable(
                f"cannot connect to {mask_url(self.url)}: {first_line(exc)}",
                url=mask_url(self.url),
                hint="check the URL, the network and the credentials (the gate only needs SELECT on the version table)",
            ) from None
        return self.conn

    def __exit__(self, *exc_info) -> None:
        self._close()

    def _close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rollback()
                self.conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
        if self.engine is not None:
            self.engine.dispose()


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return mask_secrets(text[0] if text else type(orig).__name__)


