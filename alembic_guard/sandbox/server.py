"""The server backend: throwaway ``ag_<random>`` databases on a PostgreSQL or MySQL/MariaDB server
the user points at (``--db-url``), and the base of the embedded and Docker backends.

Owns `ServerSandbox`: turning the URL into a synchronous admin engine (clear errors for bad URLs,
unknown or missing drivers, unreachable servers), CREATE DATABASE with the leftover marker and the
permission hint, the bounded DROP, cancelling our own running statements for the signal watchdog,
taking over an `EarlyDatabase`, and the one sweep of dead runs' leftovers per sandbox. Only
``CREATE DATABASE`` and ``DROP DATABASE`` are sent through the admin URL, and only for names this
process generated: it must never write to the database named in the URL, nor to any database it
did not create, and must never show a password (messages use the masked URL).
"""

from __future__ import annotations

import logging
import threading

from alembic_guard.errors import DatabaseUnavailable, GuardError
from alembic_guard.masking import mask_secrets, mask_url
from alembic_guard.sandbox import cleanup, leftovers
from alembic_guard.sandbox.base import Sandbox
from alembic_guard.sandbox.early import EarlyDatabase
from alembic_guard.sandbox.names import NAME_PREFIX, dialect_of, render, sync_url

# The logger name from before the split of sandbox/database.py: what users' logging configuration
# and benchmarks/sigint_roundtrip.py (it reads "took over database" lines) set to DEBUG.
log = logging.getLogger("alembic_guard.sandbox.database")

# The connect-timeout keyword of each sync driver (None: leave the driver's default).
CONNECT_TIMEOUT_ARGS = {
    "psycopg2": "connect_timeout",
    "psycopg": "connect_timeout",
    "pymysql": "connect_timeout",
    "mysqldb": "connect_timeout",
    "pg8000": "timeout",
    "mysqlconnector": "connection_timeout",
}


class ServerSandbox(Sandbox):
    """Throwaway ``ag_<random>`` databases on a server the user points at (``--db-url``).

    Only ``CREATE DATABASE`` and ``DROP DATABASE`` are ever sent through the admin URL, and only
    for names generated here, so the database in the URL itself is never written to.
    """

    kind = "server"
    sweeps_leftovers = True  # a shared server: drop dead runs' databases (not on a private cluster)

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 10.0,
        owner: str | None = None,
        admin_url: str | None = None,
        server_version: tuple[int, ...] | None = None,
        probe_later: bool = False,
    ):
        """`url`: the server; the databases handed out are `url` with another database name.
        `admin_url` (default `url`): how we connect for CREATE/DROP (e.g. a private unix socket).
        `server_version`: known already, so the connection probe is skipped.
        `probe_later`: probe with the first CREATE DATABASE, not now (a caller that creates its
        database in a thread meanwhile gets the connection errors from there)."""
        import sqlalchemy as sa  # start-up cost: loaded only once a sandbox is opened

        self.dialect = dialect_of(url)
        if self.dialect not in ("postgresql", "mysql"):
            raise DatabaseUnavailable(
                f"a database server URL must be PostgreSQL or MySQL/MariaDB, got {mask_url(url)}",
                url=mask_url(url),
                hint="for SQLite use --db sqlite",
            )
        try:
            self._url = sync_url(url)
            self._admin_url = sync_url(admin_url) if admin_url else self._url
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise DatabaseUnavailable(
                f"not a valid database URL: {mask_url(url)} ({mask_secrets(str(exc).splitlines()[0])})",
                url=mask_url(url),
                hint="write it as dialect+driver://user@host:port/database, e.g. postgresql+psycopg2://app@localhost:5432/app",
            ) from None
        self._masked = mask_url(render(self._url))
        self._source = url if admin_url is None else None  # what an EarlyDatabase may have been started with
        self._owner = owner or self.kind
        timeout_arg = CONNECT_TIMEOUT_ARGS.get(self._admin_url.get_driver_name())
        self._engine_args = {
            "poolclass": sa.pool.NullPool,
            "isolation_level": "AUTOCOMMIT",
            "connect_args": {timeout_arg: int(connect_timeout)} if timeout_arg else {},
        }
        try:
            self._engine = sa.create_engine(self._admin_url, **self._engine_args)
        except sa.exc.NoSuchModuleError:
            raise DatabaseUnavailable(
                f"SQLAlchemy knows no driver `{self._admin_url.drivername}` (in {self._masked})",
                url=self._masked,
                hint="use postgresql+psycopg2://, postgresql+psycopg://, mysql+pymysql:// or mysql+mysqldb://",
            ) from None
        except ModuleNotFoundError as exc:
            raise DatabaseUnavailable(
                f"the database driver for {self._masked} is not installed ({exc.name})",
                url=self._masked,
                hint="pip install 'alembic-guard[mysql]'" if self.dialect == "mysql" else "pip install psycopg2-binary",
            ) from None
        self.server_version: tuple[int, ...] = server_version or ()
        self._swept = False
        super().__init__()
        if server_version or probe_later:
            return
        try:
            self._probe()
        except BaseException:
            self._closed = True
            cleanup.unregister(self)
            self._engine.dispose()
            raise

    def describe(self) -> str:
        return f"{self._owner} sandbox on {self._masked}"

    def create_database(self, prefix: str = NAME_PREFIX) -> str:
        """As `Sandbox.create_database`; an `EarlyDatabase` started on this URL is taken instead."""
        with self._creation():
            early = EarlyDatabase.take(self._source, prefix) if self._source else None
            if early is None:
                return super().create_database(prefix)
            name = early.name
            url = render(self._url.set(database=name))
            self._generated.add(name)
            self._created[name] = url  # ours now: dropped with this sandbox...
            early.release()  # ... and no longer by the early one
        if self.sweeps_leftovers and not self._swept:  # off the critical path: the round trip starts now
            threading.Thread(target=self.sweep_leftovers, name="alembic-guard-sweep", daemon=True).start()
        if not self.server_version:
            self.server_version = early.server_version
        log.debug("alembic-guard: took over database %s", mask_url(url))
        return url

    def after_fork(self) -> None:
        """A fresh admin engine too: the parent's sweep thread may have been inside this engine's
        first connect (it holds a mutex then) when the round trip's child was forked."""
        super().after_fork()
        import sqlalchemy as sa  # late, like every SQLAlchemy import here (start-up cost); loaded by now

        self._engine = sa.create_engine(self._admin_url, **self._engine_args)

    def admin_url(self) -> str:
        """Masked admin URL (for messages)."""
        return self._masked

    def sweep_leftovers(self, conn=None) -> list[str]:
        """Drop the databases dead alembic-guard runs on this host left on the server (see
        `leftovers`); return their names. Runs once per sandbox, with its first database (on
        that CREATE's connection: one query when there is nothing to drop); a failure is
        logged, never raised."""
        import sqlalchemy as sa  # start-up cost: loaded only once a sandbox is opened

        if self._swept or not self.sweeps_leftovers:
            return []
        self._swept = True
        try:
            if conn is not None:
                return leftovers.sweep_leftovers(conn, self.dialect)
            with self._engine.connect() as own:
                return leftovers.sweep_leftovers(own, self.dialect)
        except sa.exc.DBAPIError as exc:
            log.debug("alembic-guard: no sweep of leftover databases: %s", _db_error(exc))
            return []

    # -- backend ------------------------------------------------------------------------------
    def _probe(self) -> None:
        import sqlalchemy as sa  # start-up cost: loaded only once a sandbox is opened

        try:
            with self._engine.connect() as conn:
                self.server_version = tuple(conn.dialect.server_version_info or ())
                conn.execute(sa.text("select 1"))
        except sa.exc.DBAPIError as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {self._masked}: {_db_error(exc)}",
                url=self._masked,
                hint="check that the server runs and the URL (host, port, user, password) is right",
            ) from None

    def _create(self, name: str) -> str:
        import sqlalchemy as sa  # start-up cost: loaded only once a sandbox is opened

        if not self.server_version:  # probe_later
            self._probe()
        note = leftovers.marker()  # owner host, pid and start time: a dead run's database is swept
        if self.dialect == "postgresql":
            ddl = f'CREATE DATABASE "{name}" TEMPLATE template0'
        else:
            ddl = f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
            if leftovers.mariadb_comments(self.server_version):  # MariaDB 10.5+
                ddl += f" COMMENT '{note}'"
        try:
            with self._engine.connect() as conn:
                self.sweep_leftovers(conn)
                conn.execute(sa.text(ddl))
                if self.dialect == "postgresql":
                    conn.execute(sa.text(f"COMMENT ON DATABASE \"{name}\" IS '{note}'"))
        except sa.exc.DBAPIError as exc:
            if _is_permission_error(exc):
                user = self._admin_url.username or "(default user)"
                raise DatabaseUnavailable(
                    f"user {user!r} may not create databases on {self._masked}: {_db_error(exc)}",
                    url=self._masked,
                    hint=(
                        "alembic-guard runs the round trip in a throwaway database it creates and drops; "
                        + (
                            f"grant it with `ALTER ROLE {user} CREATEDB`, "
                            if self.dialect == "postgresql"
                            else f"grant it with `GRANT ALL ON \\`ag\\_%\\`.* TO '{user}'`, "
                        )
                        + "or use --db embedded"
                    ),
                ) from None
            raise DatabaseUnavailable(
                f"could not create a throwaway database on {self._masked}: {_db_error(exc)}", url=self._masked
            ) from None
        return render(self._url.set(database=name))

    def _drop(self, name: str) -> None:
        if name not in self._generated:  # belt and braces: never drop what we did not name
            raise GuardError(f"refusing to drop database {name!r}: alembic-guard did not create it")
        # Bounded: ends the connections to this database first, never waits for locks for long
        # (a leftover is removed by the next run's sweep). See leftovers.drop_database.
        with self._engine.connect() as conn:
            leftovers.drop_database(conn, self.dialect, name)
        log.debug("alembic-guard: dropped database %s on %s", name, self._masked)

    def _cancel_running(self) -> None:
        import sqlalchemy as sa  # start-up cost: loaded only once a sandbox is opened

        names = [n for n, url in self._created.items() if url]
        if not names or getattr(self, "_engine", None) is None:
            return
        with self._engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execute(
                    sa.text("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = ANY(:names)"),
                    {"names": names},
                )
                return
            rows = conn.execute(
                sa.text("SELECT id FROM information_schema.processlist WHERE db IN :names AND command = 'Query'").bindparams(
                    sa.bindparam("names", expanding=True)
                ),
                {"names": names},
            ).all()
            for (thread_id,) in rows:
                try:
                    conn.execute(sa.text(f"KILL QUERY {int(thread_id)}"))
                except sa.exc.DBAPIError:
                    pass

    def _shutdown(self) -> None:
        engine = getattr(self, "_engine", None)  # absent if closed (by SIGTERM) while still opening
        if engine is not None:
            engine.dispose()



def _db_error(exc) -> str:
    orig = getattr(exc, "orig", exc)
    text = str(orig).strip().splitlines()
    return mask_secrets(text[0] if text else type(orig).__name__)


def _is_permission_error(exc) -> bool:
    orig = getattr(exc, "orig", None)
    pgcode = getattr(orig, "pgcode", None)
    if pgcode == "42501":  # insufficient_privilege
        return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in (1044, 1045, 1227):  # MySQL access denied
        return True
    return "permission denied" in str(orig).lower()
