"""Live pool audit: does the application's connection pool fit the database server? (read-only)

`audit(url, config)` connects once, reads the server's limits with `SHOW`/`SELECT` only, and
compares them with the pool the application will open:

    demand = sum over the app's engines of (pool_size + max_overflow) x workers
             (every worker process opens each engine's pool)
    PostgreSQL: available = max_connections - superuser_reserved_connections
                            [- reserved_connections on 16+] - connections in use now (not ours)
    MySQL/MariaDB: available = max_connections - threads connected now (not ours)

and checks each pool's `pool_recycle` against the server's idle timeout (`wait_timeout` on
MySQL/MariaDB, `idle_session_timeout` on PostgreSQL 14+ when set). The pool settings come from
every `create_engine(...)` / `create_async_engine(...)` call read statically from the application
(`configs_from_source`; an engine whose URL names another kind of server is listed, not counted),
with flags overriding, else SQLAlchemy's defaults (5 + 10, no recycle). Nothing is written to the
server.

Connections in use on PostgreSQL: a role that is neither a superuser nor a member of
`pg_read_all_stats` (`pg_monitor`) sees the rows of other roles' sessions in `pg_stat_activity`
with their details (backend type, state, query) hidden. Those rows are still counted — the ones
attached to a database, which are client sessions or per-database workers — and the report says
how many it could not see in detail.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.errors import DatabaseUnavailable, GuardError
from alembic_guard.masking import mask_secrets, mask_url
from alembic_guard.project.files import python_files as walk

DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 10


@dataclass(frozen=True)
class PoolConfig:
    pool_size: int = DEFAULT_POOL_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW
    workers: int = 1
    pool_recycle: int | None = None  # seconds; None or -1: never
    pool_pre_ping: bool | None = None
    source: str = "SQLAlchemy defaults"
    nullpool: bool = False
    name: str | None = None  # the variable the engine is bound to, when read from the app
    dialect: str | None = None  # from the engine's URL, when it is a literal

    @property
    def per_worker(self) -> int:
        return 1 if self.nullpool else self.pool_size + max(self.max_overflow, 0)

    @property
    def demand(self) -> int:
        return self.per_worker * self.workers


@dataclass(frozen=True)
class ServerLimits:
    dialect: str
    version: str
    max_connections: int
    reserved: int  # superuser (and PG16 reserved_connections) slots the app cannot use
    in_use: int  # other connections open right now
    idle_timeout: int | None  # seconds after which the server drops an idle connection (None: never)
    idle_timeout_setting: str | None  # wait_timeout | idle_session_timeout
    notes: tuple[str, ...] = ()  # what the audit could not see (e.g. other roles' sessions in detail)


def _family(dialect: str | None) -> str | None:
    return {"mariadb": "mysql"}.get(dialect or "", dialect)


@dataclass
class PoolAudit:
    url: str  # masked
    pools: tuple[PoolConfig, ...]  # every engine of the app (at least one: the defaults)
    server: ServerLimits
    problems: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    @property
    def config(self) -> PoolConfig:
        """The first pool (the only one for most applications)."""
        return self.pools[0]

    @property
    def counted(self) -> tuple[PoolConfig, ...]:
        """The pools that connect to this kind of server (an engine whose literal URL names
        another dialect is listed, not counted)."""
        family = _family(self.server.dialect)
        return tuple(p for p in self.pools if p.dialect is None or _family(p.dialect) == family)

    @property
    def demand(self) -> int:
        return sum(p.demand for p in self.counted)

    @property
    def capacity(self) -> int:
        return self.server.max_connections - self.server.reserved

    @property
    def available(self) -> int:
        return self.capacity - self.server.in_use

    @property
    def headroom(self) -> int:
        return self.available - self.demand

    @property
    def fits(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        counted = self.counted
        return {
            "url": self.url,
            "config": asdict(self.config) | {"demand": self.config.demand},
            "pools": [asdict(p) | {"demand": p.demand, "counted": p in counted} for p in self.pools],
            "demand": self.demand,
            "server": asdict(self.server),
            "capacity": self.capacity,
            "available": self.available,
            "headroom": self.headroom,
            "fits": self.fits,
            "problems": self.problems,
            "advice": self.advice,
        }

    def render(self) -> str:
        s = self.server
        lines = [
            f"server   {s.dialect} {s.version} at {self.url}",
            f"         max_connections={s.max_connections}, reserved={s.reserved}, in use now={s.in_use}"
            + (f", {s.idle_timeout_setting}={s.idle_timeout}s" if s.idle_timeout else ""),
        ]
        lines.extend(f"note     {n}" for n in s.notes)
        counted = self.counted
        for c in self.pools:
            named = f" `{c.name}`" if c.name and len(self.pools) > 1 else ""
            skipped = "" if c in counted else f"; not counted: its URL is {c.dialect}, not this server"
            lines += [
                f"pool     {'NullPool (1 per checkout)' if c.nullpool else f'pool_size={c.pool_size} + max_overflow={c.max_overflow}'} x workers={c.workers}"
                f" = {c.demand} connections at most  ({c.source}{named}{skipped})",
                f"         pool_recycle={c.pool_recycle if c.pool_recycle is not None else 'unset'}"
                + (f", pool_pre_ping={c.pool_pre_ping}" if c.pool_pre_ping is not None else ""),
            ]
        if len(counted) > 1:
            lines.append(f"demand   {' + '.join(str(c.demand) for c in counted)} = {self.demand} connections at most across {len(counted)} engines")
        lines.append(f"headroom {self.available} available - {self.demand} needed = {self.headroom}")
        for p in self.problems:
            lines.append(f"problem  {p}")
        for a in self.advice:
            lines.append(f"change   {a}")
        lines.append("fits" if self.fits else "DOES NOT FIT")
        return "\n".join(lines)


def read_server(url: str) -> ServerLimits:
    """Read the server's connection limits (read-only queries; one short-lived connection)."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(_with_installed_driver(url), poolclass=sa.pool.NullPool)
        dialect = engine.dialect.name
    except Exception as exc:  # noqa: BLE001 - bad URL, missing driver
        raise DatabaseUnavailable(f"cannot use --db-url {mask_url(url)}: {mask_secrets(str(exc).splitlines()[0])}", url=mask_url(url),
                                  hint="pass a SQLAlchemy URL such as postgresql://user@host/db or mysql+pymysql://user@host/db") from None
    try:
        with engine.connect() as conn:
            if dialect == "postgresql":
                return _read_pg(conn)
            if dialect in ("mysql", "mariadb"):
                return _read_mysql(conn)
    except DatabaseUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot read connection limits from {mask_url(url)}: {mask_secrets(first)}", url=mask_url(url),
                                  hint="check that the server is running and the URL's user may connect") from None
    finally:
        engine.dispose()
    raise DatabaseUnavailable(f"the pool audit supports PostgreSQL, MySQL and MariaDB, not {dialect}", url=mask_url(url))


def _with_installed_driver(url: str) -> str:
    """`postgresql://` picks psycopg (3) on SQLAlchemy 2.1 and psycopg2 on 2.0: use whichever is installed."""
    import importlib.util

    scheme, sep, rest = url.partition("://")
    if sep and scheme in ("postgresql", "postgres"):
        for driver, module in (("psycopg", "psycopg"), ("psycopg2", "psycopg2")):
            if importlib.util.find_spec(module) is not None:
                return f"postgresql+{driver}://{rest}"
    if sep and scheme in ("mysql", "mariadb") and importlib.util.find_spec("MySQLdb") is None and importlib.util.find_spec("pymysql") is not None:
        return f"{scheme}+pymysql://{rest}"
    return url


def _read_pg(conn) -> ServerLimits:
    import sqlalchemy as sa

    def setting(name: str) -> str | None:
        row = conn.execute(sa.text("SELECT setting, unit FROM pg_settings WHERE name = :n"), {"n": name}).first()
        return None if row is None else row[0]

    max_conn = int(setting("max_connections"))
    reserved = int(setting("superuser_reserved_connections") or 0) + int(setting("reserved_connections") or 0)
    # Rows of other roles' sessions are visible to every role, but without pg_read_all_stats their
    # backend_type (and state, query...) read NULL: those attached to a database (datid) are client
    # sessions or per-database workers, and are counted as in use.
    visible, hidden, role = conn.execute(sa.text(
        "SELECT count(*) FILTER (WHERE backend_type = 'client backend'),"
        " count(*) FILTER (WHERE backend_type IS NULL AND datid IS NOT NULL),"
        " current_user"
        " FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    )).one()
    notes: tuple[str, ...] = ()
    if hidden:
        notes = (
            f"role `{role}` cannot see the details of {hidden} other session{'s' if hidden != 1 else ''} in pg_stat_activity "
            "(not a superuser nor a member of pg_read_all_stats): they are counted as in use, although some may be "
            "autovacuum or parallel workers; GRANT pg_monitor TO the role for an exact count",
        )
    idle = setting("idle_session_timeout")  # milliseconds, 0 = off (PostgreSQL 14+)
    idle_s = int(idle) // 1000 if idle and int(idle) > 0 else None
    version = conn.execute(sa.text("SHOW server_version")).scalar_one()
    return ServerLimits("postgresql", str(version).split()[0], max_conn, reserved, int(visible) + int(hidden), idle_s,
                        "idle_session_timeout" if idle_s else None, notes)


def _read_mysql(conn) -> ServerLimits:
    import sqlalchemy as sa

    variables = dict(conn.execute(sa.text(
        "SHOW VARIABLES WHERE Variable_name IN ('max_connections', 'wait_timeout', 'version', 'version_comment')"
    )).all())
    status = dict(conn.execute(sa.text("SHOW GLOBAL STATUS LIKE 'Threads_connected'")).all())
    in_use = max(int(status.get("Threads_connected", 1)) - 1, 0)
    version = variables.get("version", "?")
    kind = "mariadb" if "mariadb" in (version + variables.get("version_comment", "")).lower() else "mysql"
    return ServerLimits(kind, version, int(variables["max_connections"]), 0, in_use,
                        int(variables.get("wait_timeout", 28800)), "wait_timeout")


def judge(url: str, config: PoolConfig | Sequence[PoolConfig], server: ServerLimits) -> PoolAudit:
    pools = (config,) if isinstance(config, PoolConfig) else tuple(config) or (PoolConfig(),)
    result = PoolAudit(mask_url(url) or "", pools, server)
    counted = result.counted
    demand = result.demand
    if result.headroom < 0:
        engines = f" of {len(counted)} engines" if len(counted) > 1 else ""
        result.problems.append(
            f"the pools{engines} can open {demand} connections but the server has {result.available} available "
            f"({server.max_connections} max - {server.reserved} reserved - {server.in_use} in use): "
            f"requests will fail with 'too many connections' / 'remaining connection slots are reserved'"
        )
        workers = max(max(c.workers for c in counted), 1) if counted else 1
        per_worker = max(result.available // workers, 0)
        if len(counted) == 1 and per_worker >= 1 and not counted[0].nullpool:
            c = counted[0]
            size = max(1, min(c.pool_size, per_worker))
            overflow = max(0, per_worker - size)
            result.advice.append(f"pool_size={size}, max_overflow={overflow} per worker ({c.workers} workers) fits {per_worker * c.workers} connections")
        elif len(counted) > 1 and per_worker >= 1:
            now = ", ".join(f"{_pool_name(c)} {c.per_worker}" for c in counted)
            result.advice.append(f"shrink the engines' pool_size + max_overflow to at most {per_worker} per worker together "
                                 f"({workers} workers); now: {now}")
        setting = "max_connections"
        result.advice.append(f"or raise the server's {setting} to at least {demand + server.reserved + server.in_use}, "
                             "or put PgBouncer/ProxySQL in front" if server.dialect == "postgresql" else
                             f"or raise the server's {setting} to at least {demand + server.in_use}")
    if server.idle_timeout:
        for c in counted:
            recycle = c.pool_recycle
            if not c.nullpool and (recycle is None or recycle < 0 or recycle >= server.idle_timeout):
                shown = "unset" if recycle is None or recycle < 0 else f"{recycle}s"
                which = f" for {_pool_name(c)}" if len(counted) > 1 else ""
                result.problems.append(
                    f"pool_recycle is {shown}{which} but the server drops idle connections after {server.idle_timeout}s "
                    f"({server.idle_timeout_setting}): stale connections fail with 'server has gone away' / 'server closed the connection unexpectedly'"
                )
                result.advice.append(f"pool_recycle={_suggest_recycle(server.idle_timeout)} and pool_pre_ping=True{which}")
    return result


def _pool_name(c: PoolConfig) -> str:
    return f"`{c.name}` ({c.source})" if c.name else c.source


def _suggest_recycle(idle: int) -> int:
    if idle > 3600 * 2:
        return 3600
    return max(int(idle * 0.8), 1)


def audit(url: str, config: PoolConfig | Sequence[PoolConfig]) -> PoolAudit:
    return judge(url, config, read_server(url))


# ---------------------------------------------------------------------------------- static config
def config_from_source(paths: list[Path], root: Path | None = None) -> PoolConfig | None:
    """Pool settings of the first `create_engine`/`create_async_engine` found in the files (ast)."""
    configs = configs_from_source(paths, root)
    return configs[0] if configs else None


def configs_from_source(paths: list[Path], root: Path | None = None) -> list[PoolConfig]:
    """Pool settings of every `create_engine`/`create_async_engine` call in the files (ast), in
    file order. Engines in tests (a `tests/` folder, `test_*.py`, `conftest.py`) count only when
    the application itself has none. SQLite engines are left out (no server connections). One
    name bound to several engines in one module (`if PROD: engine = ... else: engine = ...`) is
    one pool at a time: the largest is kept."""
    app: dict[tuple, tuple[tuple[int, int], PoolConfig]] = {}
    tests: list[PoolConfig] = []
    for config, path, where in _engine_configs(paths, root):
        if _is_test(path, root):
            tests.append(config)
            continue
        key = (str(path), config.name) if config.name else (str(path), config.source)
        if key not in app or config.per_worker > app[key][1].per_worker:
            app[key] = (min(where, app[key][0]) if key in app else where, config)
    return [config for _, config in sorted(app.values(), key=lambda item: item[0])] or tests[:1]


def _relative(path: Path, root: Path | None) -> Path:
    """`path` relative to `root` when it is inside it (either may be relative to the working folder)."""
    if root is None:
        return path
    absolute, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    return absolute.relative_to(base) if absolute.is_relative_to(base) else path


def _is_test(path: Path, root: Path | None) -> bool:
    parts = _relative(path, root).parts
    return any(x in ("tests", "test") for x in parts[:-1]) or parts[-1].startswith(("test_", "conftest"))


def _engine_configs(paths: list[Path], root: Path | None):
    from alembic_guard.audit.collect import build_module  # the session audit's symbol table: only for `pool`
    from pathlib import PurePosixPath

    for index, path in enumerate(paths):
        try:
            source = reading.read_text(path)
            tree = ast.parse(source)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
            continue
        if "create_engine" not in source and "create_async_engine" not in source:
            continue
        mod = build_module(PurePosixPath(path.name), source, tree)
        for eng in mod.engines:
            if eng.dialect == "sqlite":
                continue

            def num(name, default):
                v = eng.option(name)
                return v if isinstance(v, int) and not isinstance(v, bool) else default

            rel = _relative(path, root)
            pre = eng.option("pool_pre_ping")
            yield PoolConfig(
                pool_size=num("pool_size", DEFAULT_POOL_SIZE),
                max_overflow=num("max_overflow", DEFAULT_MAX_OVERFLOW),
                pool_recycle=num("pool_recycle", None),
                pool_pre_ping=pre if isinstance(pre, bool) else None,
                source=f"{rel}:{eng.line} {('create_async_engine' if eng.is_async else 'create_engine')}",
                nullpool=eng.poolclass == "NullPool",
                name=eng.name,
                dialect=eng.dialect,
            ), path, (index, eng.line)


def python_files(start: Path, skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """The app's Python files (the shared project walker, migrations skipped), tests last: the
    app's engine, not a test fixture's, is the one that counts when both exist."""
    if not start.exists():
        raise GuardError(f"{start}: no such file or directory",
                         hint="pass the folder of the application that calls create_engine (PATH or --app-path)")
    base = start if start.is_dir() else start.parent
    files = walk([start], root=base, skip_dirs={"migrations", "alembic"}, skipped=skipped)
    return sorted(files, key=lambda p: (_is_test(p, base), str(p)))
