"""The names the audit recognises in application code: database drivers (which are async, which a
dialect uses by default, which to suggest), loader options and lazy strategies, the usual names of a
session variable, the route decorators of FastAPI and Flask, and the two readings made of words
alone (`parse_url` of a URL string, `looks_plural` of a relationship name). It owns words: it must
not walk a syntax tree, hold per-module state or import from the rest of the audit; a rule that
needs one of these sets imports it from here.
"""

from __future__ import annotations

import re

ASYNC_DRIVERS = {
    "asyncpg", "psycopg_async", "psycopg", "aiomysql", "asyncmy", "aiosqlite", "aioodbc",
    "oracledb_async", "oracledb", "aiopg",
}
SYNC_DEFAULT_DRIVER = {
    "postgresql": "psycopg2", "mysql": "mysqldb", "mariadb": "mysqldb", "sqlite": "pysqlite",
    "oracle": "cx_oracle", "mssql": "pyodbc",
}
ASYNC_SUGGESTION = {"postgresql": "asyncpg", "mysql": "aiomysql", "mariadb": "aiomysql", "sqlite": "aiosqlite"}
EAGER_LAZY = {"selectin", "joined", "subquery", "immediate", "raise", "raise_on_sql", "noload", "write_only",
              "dynamic", False}
LOADER_OPTIONS = {"selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload", "raiseload",
                  "noload", "defaultload", "lazyload"}
EAGER_OPTIONS = {"selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload", "raiseload",
                 "noload"}
SESSION_NAMES = {"session", "db", "sess", "s", "db_session", "async_session", "dbsession", "database"}
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "api_route", "route", "head", "options", "websocket"}


def parse_url(url: str | None) -> tuple[str | None, str | None]:
    """'mysql+pymysql://u@h/db' -> ('mysql', 'pymysql'); the default driver when none is named."""
    if not url:
        return None, None
    m = re.match(r"^\s*([a-zA-Z0-9_]+)(?:\+([a-zA-Z0-9_]+))?://", url)
    if not m:
        return None, None
    dialect = m.group(1).lower()
    dialect = {"postgres": "postgresql"}.get(dialect, dialect)
    driver = (m.group(2) or SYNC_DEFAULT_DRIVER.get(dialect) or "").lower() or None
    return dialect, driver


_SINGULAR_S = ("ss", "us", "is", "os", "as")


def looks_plural(name: str) -> bool:
    """A relationship or attribute name that reads like a collection (orders, items, children)."""
    low = name.lower()
    if low in ("children", "people", "members", "entries", "data") or low.endswith(("_list", "_set")):
        return True
    return low.endswith("s") and not low.endswith(_SINGULAR_S) and len(low) > 2
