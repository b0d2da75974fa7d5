"""The connection guard: while env.py and the migrations run, only the sandbox can be reached.

An env.py that takes its URL from somewhere else (`config.set_main_option("sqlalchemy.url",
settings.DATABASE_URL)`, its own `create_engine(...)`, an async engine, a raw driver connect, a
settings module cached by conftest.py) would otherwise migrate *that* database. So every DBAPI
connection opened while a `ConnectionGuard` is active is checked against the sandbox's databases
(server address, port or unix socket, database name) before its first statement:

* SQLAlchemy, any engine, sync or async, any pool: a `do_connect` listener on the Engine class
  (`DialectEvents`) refuses before the driver is even called when the connect arguments name
  another database or server;
* the drivers themselves (psycopg2, asyncpg, PyMySQL, sqlite3 / aiosqlite), whatever calls them
  (SQLAlchemy, `creator=`, env.py's own `psycopg2.connect(...)`): PyMySQL and sqlite3 are checked
  before the socket / file is opened; psycopg2 and asyncpg right after the server accepted the
  login (what libpq / asyncpg really connected to, PG* environment defaults and service files
  included), before any statement, and the connection is closed.

A refused connection raises `ConnectionRefusedBySandbox` (a BaseException, so an env.py's
`except Exception:` retry loop does not swallow it) and is recorded as `guard.violation`, a
GuardError (exit 2) that names the target (password masked) and says how to make env.py use the
sandbox. The round trip checks `violation` after every env.py run, so a swallowed refusal still
stops it. What is not covered (drivers not listed, C-level connects) is in docs/roundtrip-guard.md.

Cost: one function call and a few comparisons per connection; nothing per statement.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.errors import GuardError
from alembic_guard.masking import mask_url

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost"})
_ACTIVE: "ConnectionGuard | None" = None
_INSTALLED: set[str] = set()
_INSTALL_LOCK = threading.RLock()


class ConnectionRefusedBySandbox(BaseException):
    """Raised inside a refused connect; BaseException so `except Exception` in env.py does not hide it."""


class ForeignConnection(GuardError):
    """env.py (or code it imported) tried to connect to a database other than the sandbox."""


@dataclass(frozen=True)
class Target:
    """Where a connection goes: a server key (see `server_key`) and a database (a file for SQLite)."""

    dialect: str
    server: tuple
    database: str

    def describe(self, user: str | None = None, password: bool = False) -> str:
        if user and password:
            user = f"{user}:***"
        if self.dialect == "sqlite":
            return f"sqlite:///{self.database}"
        kind = self.server[0]
        port = self.server[-1]
        if kind == "unix":
            where = f"?host={self.server[1]}" + (f"&port={port}" if port else "")
            return f"{self.dialect}://{user + '@' if user else ''}/{self.database}{where}"
        host = self.server[1]
        return f"{self.dialect}://{user + '@' if user else ''}{host}{':' + str(port) if port else ''}/{self.database}"


def server_key(host: str | None, port, default_port: int | None) -> tuple:
    """('unix', dir, port) / ('loopback', host, port) / ('tcp', host, port); loopback names are one server."""
    port = int(port) if port not in (None, "") else default_port
    host = (host or "").strip()
    if not host or host.startswith("/"):
        return ("unix", host.rstrip("/"), port)
    low = host.lower().strip("[]")
    if low in LOOPBACK or low.startswith("127."):
        return ("loopback", low, port)
    return ("tcp", low, port)


def _same_server(a: tuple, b: tuple) -> bool:
    if a[0] != b[0] or a[-1] != b[-1]:
        return False
    if a[0] == "loopback":
        return True
    if a[0] == "unix":
        return a[1] == b[1] or not a[1] or not b[1]  # "" = the driver's default socket folder
    return a[1] == b[1]


DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


def target_of_url(url: str) -> Target:
    """The Target of a SQLAlchemy URL (the sandbox's)."""
    import sqlalchemy as sa

    u = sa.engine.make_url(url)
    backend = u.get_backend_name()
    dialect = "postgresql" if backend in ("postgresql", "postgres") else "mysql" if backend in ("mysql", "mariadb") else backend
    if dialect == "sqlite":
        return Target("sqlite", ("file",), _sqlite_path(u.database or ""))
    host = u.host or u.query.get("host") or u.query.get("unix_socket") or ""
    if isinstance(host, tuple):
        host = host[0]
    if dialect == "mysql" and u.query.get("unix_socket"):
        host = u.query["unix_socket"]
        host = host[0] if isinstance(host, tuple) else host
    return Target(dialect, server_key(host, u.port, DEFAULT_PORTS.get(dialect)), u.database or "")


def _sqlite_path(database: str) -> str:
    if database in ("", ":memory:") or database.startswith("file::memory:") or "mode=memory" in database:
        return ":memory:"
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    return os.path.realpath(database)


class ConnectionGuard:
    """`with guard:` — while active (one at a time per process), connections go to `allowed` only."""

    def __init__(self, env_vars: tuple[str, ...] = ("DATABASE_URL",), project_root: Path | None = None,
                 sandbox_url: str | None = None, env_py: Path | str | None = None):
        self.env_vars = tuple(env_vars) or ("DATABASE_URL",)
        self.project_root = str(project_root.resolve()) if project_root else None
        self.env_py = os.path.realpath(env_py) if env_py else None
        self.allowed: list[Target] = []
        self.sandbox_url = sandbox_url
        self.violation: ForeignConnection | None = None
        self._previous: ConnectionGuard | None = None

    def allow(self, url: str) -> None:
        """Let connections reach the database of `url` (a sandbox database)."""
        target = target_of_url(url)
        if target not in self.allowed:
            self.allowed.append(target)
        self.sandbox_url = url

    def __enter__(self) -> "ConnectionGuard":
        global _ACTIVE
        install()
        self._previous, _ACTIVE = _ACTIVE, self
        return self

    def __exit__(self, *exc) -> None:
        global _ACTIVE
        _ACTIVE, self._previous = self._previous, None

    # ------------------------------------------------------------------ the check
    def permits(self, target: Target) -> bool:
        for ok in self.allowed:
            if target.dialect != ok.dialect or target.database != ok.database:
                continue
            if target.dialect == "sqlite" or _same_server(target.server, ok.server):
                return True
        return target.dialect == "sqlite" and target.database == ":memory:"  # reaches no database of anyone's

    def refuse(self, target: Target, user: str | None, password: bool = False) -> None:
        where = mask_url(target.describe(user, password))
        sandbox = mask_url(self.sandbox_url or "") or "its throwaway database"
        line = self._caller()
        env_vars = ", ".join(f"${v}" for v in self.env_vars)
        error = ForeignConnection(
            f"env.py tried to connect to {where}{line}, which is not the round trip's throwaway database "
            f"({sandbox}): the connection was refused before any statement ran, and the round trip stopped",
            hint=(
                "make env.py use the sandbox it is handed: the connection in config.attributes[\"connection\"] "
                "(Alembic's cookbook pattern), or the URL in config.get_main_option(\"sqlalchemy.url\") - do not "
                "overwrite it with config.set_main_option(\"sqlalchemy.url\", <your settings>) or connect with your "
                f"own URL - or the environment variable {env_vars} (set to the sandbox's URL while env.py runs; "
                "name yours with --env-var NAME). See docs/roundtrip-guard.md"
            ),
        )
        if self.violation is None:
            self.violation = error
        raise ConnectionRefusedBySandbox(error.message)

    def _caller(self) -> str:
        """' (from migrations/env.py line 12)': the innermost env.py frame, else the innermost
        frame in the project ('' when the connect ran outside env.py's stack: an event loop)."""
        if not self.project_root:
            return ""
        stack = traceback.extract_stack()
        frames = [f for f in stack if self.env_py and os.path.realpath(f.filename) == self.env_py] or [
            f for f in stack if f.filename.startswith(self.project_root)]
        if not frames:
            return ""
        frame = frames[-1]
        return f" (from {os.path.relpath(frame.filename, self.project_root)} line {frame.lineno})"


def check(target: Target, user: str | None = None, password: object = None) -> None:
    """Refuse `target` if a guard is active and does not allow it (`password`: only whether one
    was given matters: it shows as ***)."""
    guard = _ACTIVE
    if guard is not None and not guard.permits(target):
        guard.refuse(target, user, bool(password))


def active() -> bool:
    return _ACTIVE is not None


# ---------------------------------------------------------------------------------- SQLAlchemy
_WRAPPED_DRIVERS = {"psycopg2", "asyncpg", "pymysql", "pysqlite", "aiosqlite"}  # checked by the driver hooks too


def _on_do_connect(dialect, conn_rec, cargs, cparams):
    """DialectEvents.do_connect for every engine: refuse before the driver is called."""
    guard = _ACTIVE
    if guard is None:
        return None
    backend = dialect.name
    dialect_name = "postgresql" if backend == "postgresql" else "mysql" if backend in ("mysql", "mariadb") else backend
    if dialect_name == "sqlite":
        database = cparams.get("database") if "database" in cparams else (cargs[0] if cargs else "")
        check(Target("sqlite", ("file",), _sqlite_path(str(database or ""))))
        return None
    params = dict(cparams)
    if "dsn" in params and dialect_name == "postgresql":
        try:
            from psycopg2.extensions import parse_dsn

            params = {**parse_dsn(params.pop("dsn")), **params}
        except Exception:  # noqa: BLE001 - the driver hook checks the real connection
            pass
    database = params.get("dbname") or params.get("database") or params.get("db")
    host = params.get("unix_socket") or params.get("host")
    driver = dialect.driver
    if database is None and driver in _WRAPPED_DRIVERS:
        return None  # driver defaults (PGDATABASE...): the driver hook sees the real target
    target = Target(dialect_name, server_key(str(host or ""), params.get("port"), DEFAULT_PORTS.get(dialect_name)),
                    str(database or ""))
    if driver in _WRAPPED_DRIVERS and not host:
        # default socket/host: compare the database here, the server after connecting
        if any(t.database == target.database and t.dialect == dialect_name for t in guard.allowed):
            return None
    check(target, params.get("user"), params.get("password") or params.get("passwd"))
    return None


# ---------------------------------------------------------------------------------- drivers
def _psycopg2_check(conn) -> None:
    info = conn.info
    check(Target("postgresql", server_key(info.host, info.port, 5432), info.dbname or ""), info.user, info.password)


def _install_psycopg2(module) -> None:
    original = module.connect

    def connect(*args, **kwargs):
        conn = original(*args, **kwargs)
        if _ACTIVE is not None:
            try:
                _psycopg2_check(conn)
            except BaseException:
                conn.close()
                raise
        return conn

    connect.__wrapped__ = original
    module.connect = connect


def _install_asyncpg(module) -> None:
    import asyncpg.connection as connection_mod

    original = connection_mod.connect

    async def connect(*args, **kwargs):
        conn = await original(*args, **kwargs)
        if _ACTIVE is not None:
            addr = getattr(conn, "_addr", None)
            params = getattr(conn, "_params", None)
            if isinstance(addr, (tuple, list)):
                server = server_key(str(addr[0]), addr[1], 5432)
            else:  # a unix socket path: /dir/.s.PGSQL.5432
                path = str(addr or "")
                folder, _, name = path.rpartition("/")
                port = name.rsplit(".", 1)[-1] if name.startswith(".s.PGSQL.") else None
                server = server_key(folder or "/", port, 5432)
            try:
                check(Target("postgresql", server, getattr(params, "database", "") or ""), getattr(params, "user", None),
                      getattr(params, "password", None))
            except BaseException:
                conn.terminate()
                raise
        return conn

    connect.__wrapped__ = original
    connection_mod.connect = connect
    module.connect = connect


def _install_pymysql(module) -> None:
    from pymysql.connections import Connection

    original = Connection.connect

    def connect(self, sock=None):
        if _ACTIVE is not None:
            socket_path = getattr(self, "unix_socket", None)
            host = socket_path if socket_path else self.host
            db = self.db.decode() if isinstance(self.db, bytes) else (self.db or "")
            user = self.user.decode() if isinstance(self.user, bytes) else self.user
            check(Target("mysql", server_key(host, None if socket_path else self.port, None if socket_path else 3306), db), user,
                  self.password)
        return original(self, sock) if sock is not None else original(self)

    connect.__wrapped__ = original
    Connection.connect = connect


def _install_sqlite3(module) -> None:
    import sqlite3.dbapi2 as dbapi2

    original = dbapi2.connect

    def connect(database, *args, **kwargs):
        if _ACTIVE is not None:
            path = os.fsdecode(database) if isinstance(database, (bytes, os.PathLike)) else str(database)
            check(Target("sqlite", ("file",), _sqlite_path(path)))
        return original(database, *args, **kwargs)

    connect.__wrapped__ = original
    dbapi2.connect = connect
    module.connect = connect


_DRIVERS = {
    "psycopg2": _install_psycopg2,
    "asyncpg": _install_asyncpg,
    "pymysql": _install_pymysql,
    "sqlite3": _install_sqlite3,
}


def install() -> None:
    """Hook SQLAlchemy and every driver already imported; a driver imported later (`import
    psycopg2` inside env.py) is hooked as its import finishes (`_HookOnImport`), so no driver is
    imported just for the guard (asyncpg alone costs ~45 ms). Idempotent, cheap."""
    with _INSTALL_LOCK:
        if "sqlalchemy" not in _INSTALLED:
            import sqlalchemy as sa
            from sqlalchemy.engine import Engine

            sa.event.listen(Engine, "do_connect", _on_do_connect)
            _INSTALLED.add("sqlalchemy")
            sys.meta_path.insert(0, _HookOnImport())
        for name in _DRIVERS:
            if name in sys.modules:
                _hook(name)


def _hook(name: str) -> None:
    if name in _INSTALLED:
        return
    _INSTALLED.add(name)
    _DRIVERS[name](sys.modules[name])


class _HookOnImport:
    """A meta path finder that lets the normal finders find a driver, then hooks the module
    right after it executed (before `import` returns to the importer)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _DRIVERS or fullname in _INSTALLED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module):
            original(module)
            with _INSTALL_LOCK:
                _hook(fullname)

        spec.loader = _LoaderProxy(loader, exec_module)
        return spec


class _LoaderProxy:
    def __init__(self, loader, exec_module):
        self._loader = loader
        self.exec_module = exec_module

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def __getattr__(self, name):
        return getattr(self._loader, name)
