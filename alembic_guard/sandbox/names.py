"""Names and URLs of throwaway databases: the ``ag_<random>`` names we generate, the dialect of a
URL, and the synchronous admin URL derived from it.

Owns the naming scheme (`NAME_PREFIX`, `ROUNDTRIP_PREFIX`, `new_database_name`) that every backend
and the leftover sweep rely on to recognise our databases, and the URL helpers (`dialect_of`,
`sync_url`, `render`). Pure functions over strings and SQLAlchemy URL values: it must not connect
to a server, create or drop anything, or hold state. `render` is the one place a password is put
back into a URL string, for connecting only, never for output.
"""

from __future__ import annotations

import re
import secrets

NAME_PREFIX = "ag"
ROUNDTRIP_PREFIX = "ag_rt"  # the round trip's databases
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Sync drivers used when a URL names none (or an async one): admin work is synchronous.
SYNC_DRIVERS = {"postgresql": "psycopg2", "mysql": "pymysql", "mariadb": "pymysql"}
ASYNC_DRIVERS = {"asyncpg", "aiomysql", "asyncmy", "aiosqlite", "psycopg_async"}


def new_database_name(prefix: str = NAME_PREFIX) -> str:
    """A recognisable, unique, lower-case name: ``ag_<12 hex>`` (or ``ag_<prefix>_<12 hex>``)."""
    prefix = prefix.lower()
    if not _NAME_RE.match(prefix):
        raise ValueError(f"database name prefix must match {_NAME_RE.pattern}, got {prefix!r}")
    if prefix != NAME_PREFIX and not prefix.startswith(NAME_PREFIX + "_"):
        prefix = f"{NAME_PREFIX}_{prefix}"
    return f"{prefix}_{secrets.token_hex(6)}"


def dialect_of(url: str) -> str:
    """``postgresql+asyncpg://…`` → ``postgresql``; ``mariadb`` counts as ``mysql``."""
    name = url.split(":", 1)[0].split("+", 1)[0].lower()
    if name in ("postgres", "postgresql"):
        return "postgresql"
    if name in ("mysql", "mariadb"):
        return "mysql"
    return name


def sync_url(url):
    """A `sqlalchemy.engine.URL` for admin work: async or missing drivers → the sync default."""
    import sqlalchemy as sa  # start-up cost: loaded only once a sandbox is opened

    u = sa.engine.make_url(url)
    backend = u.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    driver = u.get_driver_name() if "+" in u.drivername else None
    if driver is None or driver in ASYNC_DRIVERS:
        default = SYNC_DRIVERS.get(backend)
        if default:
            u = u.set(drivername=f"{backend}+{default}")
    return u


def render(url) -> str:
    """The full URL string, password included: only for connecting, never for output."""
    return url.render_as_string(hide_password=False)

