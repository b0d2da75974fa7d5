"""Sandboxes: disposable databases for the round trip, behind one interface.

A `Sandbox` hands out uniquely named throwaway databases (`create_database` → a SQLAlchemy URL)
and removes everything it made when it is closed: the databases, and a server or temp folder it
started. `open_sandbox` picks the backend:

====================  ===============================================================
spec                  backend
====================  ===============================================================
a URL / ``db_url``    `ServerSandbox`: throwaway ``ag_<random>`` databases on that server
``"embedded"``        a private PostgreSQL cluster from local server binaries (`embedded.py`)
``"docker"``          a container via testcontainers (`docker_backend.py`)
``"sqlite"``          `SqliteSandbox`: database files in a temp folder
``"auto"``            the URL if given; else by dialect (see `open_sandbox`)
====================  ===============================================================

Safety rules every backend follows:

* It never writes to a database it did not create: on a server it only runs
  ``CREATE DATABASE`` / ``DROP DATABASE`` for names it generated in this process.
* Cleanup runs on normal exit, on exceptions, on SIGINT and on SIGTERM: while a sandbox is open,
  SIGINT raises ``KeyboardInterrupt`` in the main thread so every ``with``/``finally`` runs;
  SIGTERM closes every open sandbox at once and then takes its usual course; an ``atexit`` hook
  closes whatever is still open at exit.
* Passwords are masked (`mask_url`) in `describe()`, errors, warnings and log lines. Only the URL
  that `create_database` returns carries the password: the round trip needs it to connect.

>>> with open_sandbox("sqlite") as sb:
...     url = sb.create_database()
...     url.startswith("sqlite:///") and "/ag_" in url
True
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import secrets
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from alembic_guard.errors import DatabaseUnavailable, GuardError
from alembic_guard.masking import mask_secrets, mask_url
from alembic_guard.sandbox import leftovers

log = logging.getLogger(__name__)

ENV_DB_URL = "ALEMBIC_GUARD_DB_URL"
SPECS = ("auto", "embedded", "docker", "sqlite")
NAME_PREFIX = "ag"
ROUNDTRIP_PREFIX = "ag_rt"  # the round trip's databases
CREATE_WAIT = 30.0  # seconds close() waits for a CREATE DATABASE running in another thread
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Sync drivers used when a URL names none (or an async one): admin work is synchronous.
SYNC_DRIVERS = {"postgresql": "psycopg2", "mysql": "pymysql", "mariadb": "pymysql"}
# The connect-timeout keyword of each sync driver (None: leave the driver's default).
CONNECT_TIMEOUT_ARGS = {
    "psycopg2": "connect_timeout",
    "psycopg": "connect_timeout",
    "pymysql": "connect_timeout",
    "mysqldb": "connect_timeout",
    "pg8000": "timeout",
    "mysqlconnector": "connection_timeout",
}
ASYNC_DRIVERS = {"asyncpg", "aiomysql", "asyncmy", "aiosqlite", "psycopg_async"}

Progress = Callable[[str], None] | None


# ---------------------------------------------------------------------------------------------
# Signal / exit safety: one registry of open sandboxes for the whole process.
# ---------------------------------------------------------------------------------------------
_OPEN: list["Sandbox"] = []
_LOCK = threading.RLock()
_SAVED_HANDLERS: dict[int, object] = {}
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_DEFER_DEPTH = 0  # > 0 while the main thread is cleaning up
_PENDING: list[int] = []  # signals that arrived meanwhile
_INTERRUPTED = False  # a SIGINT arrived while a sandbox was open


def interrupted() -> bool:
    """Whether Ctrl-C (SIGINT) arrived since the first sandbox opened. The KeyboardInterrupt the
    handler raises can be swallowed (Python prints "Exception ignored in ..." for one raised in a
    weakref callback or __del__): callers check this at safe points and raise it again."""
    return _INTERRUPTED


def _on_signal(signum, frame):
    """SIGINT: raise KeyboardInterrupt, so `finally` blocks and `__exit__` clean up as usual.

    SIGTERM: clean up right here, then let the signal do what it would have done without us (the
    previous handler, or the default: the process ends, killed by SIGTERM). Raising SystemExit
    instead is not enough: pytest, and any `except BaseException`, would catch it as an ordinary
    error and carry on, and a cancelled CI job would then be SIGKILLed with everything left behind.
    """
    global _DEFER_DEPTH
    if _DEFER_DEPTH:  # a cleanup is running in the main thread: finish it first
        if signum not in _PENDING:
            _PENDING.append(signum)
        return
    if signum == signal.SIGINT:
        global _INTERRUPTED
        _INTERRUPTED = True  # a KeyboardInterrupt can be lost (raised in a weakref callback); see interrupted()
        if frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
            # raising inside importlib's own lock handling can leave the global import lock held,
            # and the next import in another thread (the database being created) waits forever:
            # deliver it again a moment later, outside importlib
            threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT)).start()
            return
        raise KeyboardInterrupt
    previous = _SAVED_HANDLERS.get(signum, signal.SIG_DFL)
    _DEFER_DEPTH += 1
    try:
        close_all()  # restores the previous handlers once the last sandbox is closed
    finally:
        _DEFER_DEPTH -= 1
        _PENDING.clear()  # we are ending anyway
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers() -> None:
    global _INTERRUPTED
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; atexit still cleans up
    _INTERRUPTED = False
    for sig in _SIGNALS:
        old = signal.getsignal(sig)
        if old is signal.SIG_IGN:
            continue  # the caller asked to ignore it (nohup, background job): keep that
        _SAVED_HANDLERS[sig] = old
        signal.signal(sig, _on_signal)
    _Watchdog.start()


def _restore_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    _Watchdog.stop()
    for sig, old in list(_SAVED_HANDLERS.items()):
        if signal.getsignal(sig) is _on_signal:
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        del _SAVED_HANDLERS[sig]


class _Watchdog:
    """Gets a stuck main thread moving again when SIGINT/SIGTERM arrives.

    Python runs signal handlers in the main thread between bytecodes, so while that thread waits
    in a driver's C call (psycopg2 running a migration's ``SELECT pg_sleep(600)`` or waiting for a
    lock) no handler runs and nothing is cleaned up. CPython's C-level handler still writes the
    signal number to the wakeup fd; this thread reads it and, if a sandbox is still open a moment
    later, cancels the statements running in *our* throwaway databases (never in any other), so
    the call returns and the handler runs. If a SIGTERM is still not handled after
    `TERM_GRACE` seconds, it cleans up itself and ends the process.
    Skipped when someone else (an asyncio loop's signal handling) already owns the wakeup fd.
    """

    CANCEL_AFTER = 0.3
    TERM_GRACE = 10.0
    _pipe: tuple[int, int] | None = None

    @classmethod
    def start(cls) -> None:
        if cls._pipe is not None:
            return
        r, w = os.pipe()
        os.set_blocking(w, False)
        try:
            previous = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        except (ValueError, OSError):
            os.close(r)
            os.close(w)
            return
        if previous != -1:  # taken (e.g. asyncio): leave it alone, handlers still work when not stuck
            signal.set_wakeup_fd(previous)
            os.close(r)
            os.close(w)
            return
        cls._pipe = (r, w)
        threading.Thread(target=cls._run, args=(r,), name="alembic-guard-signals", daemon=True).start()

    @classmethod
    def stop(cls) -> None:
        if cls._pipe is None:
            return
        r, w = cls._pipe
        cls._pipe = None
        current = signal.set_wakeup_fd(-1)
        if current not in (w, -1):  # someone replaced ours meanwhile: keep theirs
            signal.set_wakeup_fd(current)
        os.close(w)  # the thread sees EOF and closes `r`

    @classmethod
    def _run(cls, r: int) -> None:
        try:
            while True:
                data = os.read(r, 64)
                if not data:
                    return
                signums = set(data) & {int(s) for s in _SIGNALS}
                if signums:
                    cls._unstick(signal.SIGTERM in signums)
        except OSError:
            return
        finally:
            os.close(r)

    @classmethod
    def _unstick(cls, terminate: bool) -> None:
        time.sleep(cls.CANCEL_AFTER)
        for sandbox in list(_OPEN):
            try:
                sandbox._cancel_running()
            except Exception as exc:  # noqa: BLE001 - best effort, from a helper thread
                log.debug("alembic-guard: could not cancel statements in %s: %s", sandbox.describe(), mask_secrets(str(exc)))
        if not terminate:
            return
        deadline = time.monotonic() + cls.TERM_GRACE
        while _OPEN and time.monotonic() < deadline:
            time.sleep(0.05)
        if _OPEN:  # the main thread never got to it: clean up from here and end as SIGTERM would
            log.warning("alembic-guard: SIGTERM not handled by the main thread; cleaning up from the signal watchdog")
            close_all()
            os._exit(128 + int(signal.SIGTERM))


def _register(sandbox: "Sandbox") -> None:
    with _LOCK:
        if sandbox in _OPEN:
            return
        if not _OPEN:
            _install_handlers()
        _OPEN.append(sandbox)


def _unregister(sandbox: "Sandbox") -> None:
    with _LOCK:
        if sandbox in _OPEN:
            _OPEN.remove(sandbox)
        if not _OPEN:
            _restore_handlers()


@atexit.register
def close_all() -> None:
    """Close every sandbox still open (also runs at interpreter exit)."""
    for sandbox in reversed(list(_OPEN)):
        try:
            sandbox.close()
        except Exception as exc:  # noqa: BLE001 - exit path: report, keep cleaning
            log.warning("alembic-guard: cleanup of %s failed: %s", sandbox.describe(), mask_secrets(str(exc)))


class _SignalsDeferred:
    """Hold SIGINT/SIGTERM back while cleaning up, so a second Ctrl-C cannot cut a cleanup short.

    Blocking the signals is not enough once other threads exist (the kernel then delivers them
    there, and Python still runs the handler in the main thread), so `_on_signal` also checks
    the depth counter and records the signal; it is acted on when the outermost block ends.
    """

    def __enter__(self):
        global _DEFER_DEPTH
        self._main = threading.current_thread() is threading.main_thread()
        if self._main:
            _DEFER_DEPTH += 1
            self._old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        return self

    def __exit__(self, *exc):
        global _DEFER_DEPTH
        if not self._main:
            return
        signal.pthread_sigmask(signal.SIG_SETMASK, self._old)
        _DEFER_DEPTH -= 1
        if _DEFER_DEPTH or not _PENDING:
            return
        pending = list(_PENDING)
        _PENDING.clear()
        signum = signal.SIGTERM if signal.SIGTERM in pending else pending[0]
        if signal.getsignal(signum) is _on_signal:
            _on_signal(signum, None)
        else:  # our handlers are gone (last sandbox closed): deliver it to whoever handles it now
            os.kill(os.getpid(), signum)


# ---------------------------------------------------------------------------------------------
# Names and URLs
# ---------------------------------------------------------------------------------------------
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
    import sqlalchemy as sa

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


# ---------------------------------------------------------------------------------------------
# The interface
# ---------------------------------------------------------------------------------------------
class Sandbox:
    """Base class: a context manager that hands out throwaway databases and cleans up after itself.

    Subclasses implement `_create(name) -> url` and `_drop(name)`, and optionally `_shutdown()`
    for a server or folder they started.
    """

    kind: str = "?"  # "server" | "embedded" | "docker" | "sqlite"
    dialect: str = "?"  # "postgresql" | "mysql" | "sqlite"
    announce = None  # called with each new database's name before its CREATE (set in a round trip's child)

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._created: dict[str, str] = {}  # name -> url (not yet dropped)
        self._generated: set[str] = set()  # every name this sandbox generated
        self._closed = False
        self._creating = threading.Condition()
        self._inflight: list[int] = []  # threads creating a database now
        self._closing = False
        _register(self)

    def after_fork(self) -> None:
        """In a forked child (sandbox/child.py): locks another thread of the parent may have held at the
        moment of the fork (a leftover sweep, a CREATE in flight) are never released here; take fresh ones."""
        global _LOCK
        _LOCK = threading.RLock()
        self._creating = threading.Condition()
        self._inflight = []

    # -- public -----------------------------------------------------------------------------
    def create_database(self, prefix: str = NAME_PREFIX) -> str:
        """Create a uniquely named throwaway database; return its SQLAlchemy URL (driver included)."""
        with self._creation():
            name = new_database_name(prefix)
            # Recorded before the CREATE runs: a signal between CREATE and return still drops it.
            self._generated.add(name)
            self._created[name] = ""
            if self.announce is not None:  # a round trip's child tells its parent (sandbox/child.py)
                self.announce(name)
            try:
                url = self._create(name)
            except BaseException:
                # Most likely it does not exist (CREATE failed); if we were interrupted after the
                # CREATE, this drops it. A failure here must not hide the original error.
                try:
                    self._forget(name)
                except Exception as exc:  # noqa: BLE001
                    log.debug("alembic-guard: no cleanup needed for %s: %s", name, mask_secrets(str(exc)))
                    self._created.pop(name, None)
                raise
            self._created[name] = url
        log.debug("alembic-guard: created database %s", mask_url(url))
        return url

    def drop_database(self, url: str) -> None:
        """Drop a database this sandbox created. Idempotent; refuses any other database."""
        name = self.database_name(url)
        if name not in self._generated:
            raise GuardError(
                f"refusing to drop database {name!r}: alembic-guard did not create it",
                hint="only databases returned by create_database() of this sandbox can be dropped",
            )
        self._forget(name)

    def adopt(self, name: str, url: str = "") -> None:
        """Take over a database a forked copy of this sandbox created (the round trip's child):
        dropped by `close` like our own. `url` "" while its CREATE may still be running."""
        self._generated.add(name)
        self._created[name] = url

    def disown(self, name: str) -> None:
        """The forked copy dropped `name` itself: nothing left to drop."""
        self._created.pop(name, None)

    def attach_child(self, pid: int | None) -> None:
        """A forked process works in our databases (the round trip's child): `close` SIGKILLs it
        before dropping them, so it cannot create one after the drops (SIGTERM's cleanup runs
        while it still walks). None: it is gone."""
        self._child = pid

    def drop_named(self, name: str) -> None:
        """`drop_database` by name (an adopted database whose URL is not known). Idempotent."""
        if name in self._generated:
            self._forget(name)

    def close(self) -> None:
        """Drop every database created here, then stop/remove what this sandbox started."""
        if self._closed:
            return
        with _SignalsDeferred():
            # A database being created in another thread (the round trip's) would otherwise
            # appear after the DROPs below: no new ones, and let those running finish. (Not one
            # this thread runs: a signal handler interrupted it, and it is recorded already.)
            me = threading.get_ident()
            with self._creating:
                self._closing = True
                self._creating.wait_for(lambda: all(t == me for t in self._inflight), timeout=CREATE_WAIT)
            child, self._child = getattr(self, "_child", None), None
            if child is not None:
                try:
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
            errors = []
            for name in list(self._created):
                try:
                    self._forget(name)
                except Exception as exc:  # noqa: BLE001 - keep cleaning, report at the end
                    errors.append(f"{name}: {mask_secrets(str(exc))}")
            try:
                self._shutdown()
            except Exception as exc:  # noqa: BLE001
                errors.append(mask_secrets(str(exc)))
            self._closed = True
            _unregister(self)
        if errors:
            raise DatabaseUnavailable(
                f"cleanup of {self.describe()} was incomplete: " + "; ".join(errors),
                hint="databases named ag_<random> left behind by alembic-guard can be dropped by hand",
            )

    def describe(self) -> str:
        return f"{self.kind} sandbox ({self.dialect})"

    @property
    def databases(self) -> tuple[str, ...]:
        """URLs of the databases currently alive in this sandbox."""
        return tuple(u for u in self._created.values() if u)

    def database_name(self, url: str) -> str:
        import sqlalchemy as sa

        return sa.engine.make_url(url).database or ""

    # -- context manager ----------------------------------------------------------------------
    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            self.close()
        except DatabaseUnavailable as cleanup_error:  # do not hide the error that got us here
            log.warning("alembic-guard: %s", cleanup_error.message)
            self.warnings.append(cleanup_error.message)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    # -- for subclasses -----------------------------------------------------------------------
    def _create(self, name: str) -> str:
        raise NotImplementedError

    def _drop(self, name: str) -> None:
        raise NotImplementedError

    def _shutdown(self) -> None:
        """Stop/remove what the sandbox started (server, container, folder)."""

    def _cancel_running(self) -> None:
        """Cancel statements running in this sandbox's databases (called from another thread)."""

    # -- internals ----------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed or self._closing:
            raise GuardError(f"{self.describe()} is closed")

    @contextlib.contextmanager
    def _creation(self):
        """Around creating (or taking over) a database: `close` waits for it to end."""
        me = threading.get_ident()
        with self._creating:
            self._check_open()
            self._inflight.append(me)
        try:
            yield
        finally:
            with self._creating:
                self._inflight.remove(me)
                self._creating.notify_all()

    def _forget(self, name: str) -> None:
        """Drop `name` if it is still alive, then stop tracking it."""
        if name not in self._created:
            return
        with _SignalsDeferred():
            self._drop(name)
        del self._created[name]


# ---------------------------------------------------------------------------------------------
# Server URL backend (PostgreSQL, MySQL/MariaDB)
# ---------------------------------------------------------------------------------------------
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
        import sqlalchemy as sa

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
            _unregister(self)
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
        import sqlalchemy as sa

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
        import sqlalchemy as sa

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
        import sqlalchemy as sa

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
        import sqlalchemy as sa

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


class EarlyDatabase:
    """A round trip's throwaway PostgreSQL database, created as soon as the command knows it will
    need one, with psycopg2 alone, while SQLAlchemy, Alembic and the revision files load (half a
    second): CREATE DATABASE takes 0.1-0.5 s, which the walk otherwise waits for. The
    `ServerSandbox` opened later on the same URL takes it over (`create_database`).

    Until then it is one of the open sandboxes (SIGINT, SIGTERM and exit drop it), and `discard`
    drops it if no sandbox took it. Only plain URLs (no driver or psycopg2; no host, port or
    repeated keys in the query): anything else is left to the ServerSandbox."""

    kind = "server"
    _ALL: list["EarlyDatabase"] = []
    _QUERY_KEYS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "application_name", "options",
                   "connect_timeout", "target_session_attrs", "gssencmode", "client_encoding"}

    def __init__(self, url: str, params: dict, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.params = params
        self.name = new_database_name(prefix)
        self.server_version: tuple[int, ...] = ()
        self.created = False
        self.warnings: list[str] = []
        self._owned = True  # False once a sandbox took it
        self._thread = threading.Thread(target=self._create, name="alembic-guard-createdb")

    @classmethod
    def start(cls, url: str, prefix: str = NAME_PREFIX) -> "EarlyDatabase | None":
        import importlib.util

        params = cls._params(url)
        if params is None or importlib.util.find_spec("psycopg2") is None:
            return None
        early = cls(url, params, prefix)
        with _LOCK:
            cls._ALL.append(early)
        _register(early)
        early._thread.start()
        return early

    @classmethod
    def _params(cls, url: str) -> dict | None:
        """psycopg2.connect() keywords for `url`, as SQLAlchemy would pass them; None: not plain."""
        from urllib.parse import parse_qsl, unquote, urlsplit

        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return None
        if parts.scheme.lower() not in ("postgresql", "postgres", "postgresql+psycopg2"):
            return None
        query = parse_qsl(parts.query, keep_blank_values=True)
        if len({k for k, _ in query}) != len(query) or not {k for k, _ in query} <= cls._QUERY_KEYS:
            return None
        params: dict = dict(query)
        params.setdefault("connect_timeout", "10")
        if parts.username:
            params["user"] = unquote(parts.username)
        if parts.password is not None:
            params["password"] = unquote(parts.password)
        if parts.hostname:
            params["host"] = parts.hostname
        if port:
            params["port"] = port
        if unquote(parts.path.lstrip("/")):
            params["dbname"] = unquote(parts.path.lstrip("/"))
        return params

    @classmethod
    def take(cls, url: str, prefix: str) -> "EarlyDatabase | None":
        """The database started on `url` with `prefix`, once created (call `release` when it is
        yours); None if there is none or its creation failed (then it is cleaned up)."""
        with _LOCK:
            found = next((e for e in cls._ALL if e.url == url and e.prefix == prefix), None)
            if found is not None:
                cls._ALL.remove(found)
        if found is None:
            return None
        found._thread.join()
        if not found.created:
            found.close()
            return None
        return found

    def release(self) -> None:
        """A sandbox holds the database now: stop answering for it."""
        self._owned = False
        self.close()

    def discard(self) -> None:
        """Drop the database unless a sandbox took it."""
        with _LOCK:
            if self in self._ALL:
                self._ALL.remove(self)
        self.close()

    def close(self) -> None:
        try:
            self._thread.join(CREATE_WAIT)
            if self.created and self._owned:
                with _SignalsDeferred():
                    self._drop()
                self.created = False
        finally:
            _unregister(self)

    def describe(self) -> str:
        return f"server sandbox on {mask_url(self.url)}"

    def _cancel_running(self) -> None:
        """Nothing runs in it before a sandbox takes it."""

    def _connect(self):
        import psycopg2

        conn = psycopg2.connect(**self.params)
        conn.autocommit = True
        return conn

    def _create(self) -> None:
        try:
            conn = self._connect()
        except Exception as exc:  # noqa: BLE001 - the ServerSandbox then tries, and says why
            log.debug("alembic-guard: early CREATE DATABASE not possible: %s", mask_secrets(str(exc)))
            return
        try:
            version = conn.server_version  # e.g. 150020 -> (15, 20)
            self.server_version = (version // 10000, version % 10000) if version >= 100000 else (version // 10000, version // 100 % 100)
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{self.name}" TEMPLATE template0')
                self.created = True
                cur.execute(f"COMMENT ON DATABASE \"{self.name}\" IS '{leftovers.marker()}'")
        except Exception as exc:  # noqa: BLE001
            log.debug("alembic-guard: early CREATE DATABASE failed: %s", mask_secrets(str(exc)))
        finally:
            conn.close()

    def _drop(self) -> None:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = '{leftovers.LOCK_WAIT}s'")  # bounded; the next run sweeps a leftover
                cur.execute(f"SET statement_timeout = '{int(leftovers.DROP_DEADLINE)}s'")
                if self.server_version >= (13,):
                    cur.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                else:
                    cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (self.name,))
                    cur.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        finally:
            conn.close()


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


# ---------------------------------------------------------------------------------------------
# SQLite backend
# ---------------------------------------------------------------------------------------------
class SqliteSandbox(Sandbox):
    """Database files in a private temp folder, removed on close."""

    kind = "sqlite"
    dialect = "sqlite"

    def __init__(self, *, warning: str | None = None):
        from alembic_guard.sandbox import tempdirs

        self.path = tempdirs.make("sqlite")
        super().__init__()
        if warning:
            self.warnings.append(warning)

    def describe(self) -> str:
        return f"sqlite sandbox in {self.path}"

    def _create(self, name: str) -> str:
        return f"sqlite:///{self.path / (name + '.sqlite')}"

    def _drop(self, name: str) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            (self.path / f"{name}.sqlite{suffix}").unlink(missing_ok=True)

    def _shutdown(self) -> None:
        from alembic_guard.sandbox import tempdirs

        tempdirs.remove(self.path)

    def database_name(self, url: str) -> str:
        return Path(super().database_name(url)).name.removesuffix(".sqlite")


SQLITE_FALLBACK_WARNING = (
    "round trip ran on SQLite: PostgreSQL/MySQL behaviour was not tested "
    "(give --db-url, or install PostgreSQL server binaries or Docker)"
)


# ---------------------------------------------------------------------------------------------
# Choosing a backend
# ---------------------------------------------------------------------------------------------
def open_sandbox(
    spec: str | None = "auto",
    *,
    db_url: str | None = None,
    dialect: str | None = None,
    docker_image: str | None = None,
    progress: Progress = None,
    probe_later: bool = False,
) -> Sandbox:
    """Open the sandbox named by `spec` (``auto`` | ``embedded`` | ``docker`` | ``sqlite`` | a URL).

    ``auto``: `db_url` (or ``$ALEMBIC_GUARD_DB_URL``) if given; otherwise by `dialect`:
    postgresql → embedded, then docker; mysql → docker; sqlite → sqlite; unknown → embedded,
    else SQLite with a warning. Raises `DatabaseUnavailable` with a clear message when nothing fits.
    `probe_later`: a server URL's connection is tried with the first CREATE DATABASE (`ServerSandbox`).
    """
    say = progress or (lambda _msg: None)
    db_url = db_url or None
    if spec in (None, "", "auto") and db_url:
        spec = db_url
    spec = spec or "auto"
    if "://" in spec:
        say(f"using database server {mask_url(spec)}")
        return ServerSandbox(spec, probe_later=probe_later)
    if spec not in SPECS:
        raise DatabaseUnavailable(
            f"unknown --db value {spec!r}", hint="use auto, embedded, docker, sqlite or a database URL"
        )
    if spec == "auto" and os.environ.get(ENV_DB_URL):
        return open_sandbox(os.environ[ENV_DB_URL], progress=progress, probe_later=probe_later)
    dialect = (dialect or "").lower() or None
    if dialect in ("postgres", "mariadb"):
        dialect = {"postgres": "postgresql", "mariadb": "mysql"}[dialect]
    if spec == "sqlite":
        return SqliteSandbox()
    if spec == "embedded":
        if dialect not in (None, "postgresql"):
            raise DatabaseUnavailable(
                f"the embedded sandbox is PostgreSQL; this project's dialect is {dialect}",
                hint="use --db docker (with a MySQL image) or --db-url mysql+pymysql://…",
            )
        from alembic_guard.sandbox.embedded import EmbeddedSandbox

        return EmbeddedSandbox(progress=progress)
    if spec == "docker":
        from alembic_guard.sandbox.docker_backend import DockerSandbox

        return DockerSandbox(dialect=dialect or "postgresql", image=docker_image, progress=progress)
    # auto
    if dialect == "sqlite":
        return SqliteSandbox()
    if dialect == "mysql":
        from alembic_guard.sandbox.docker_backend import DockerSandbox

        try:
            return DockerSandbox(dialect="mysql", image=docker_image, progress=progress)
        except DatabaseUnavailable as exc:
            raise DatabaseUnavailable(
                f"this is a MySQL/MariaDB project and no MySQL sandbox is available: {exc.message}",
                hint="give a server with --db-url mysql+pymysql://user:pass@host/ (or ALEMBIC_GUARD_DB_URL)",
            ) from None
    from alembic_guard.sandbox.embedded import EmbeddedSandbox

    problems = []
    try:
        return EmbeddedSandbox(progress=progress)
    except DatabaseUnavailable as exc:
        problems.append(f"embedded: {exc.message}")
    from alembic_guard.sandbox.docker_backend import DockerSandbox

    try:
        return DockerSandbox(dialect="postgresql", image=docker_image, progress=progress)
    except DatabaseUnavailable as exc:
        problems.append(f"docker: {exc.message}")
    if dialect == "postgresql":
        raise DatabaseUnavailable(
            "no PostgreSQL sandbox available (" + "; ".join(problems) + ")",
            hint="install PostgreSQL server binaries (or pip install 'alembic-guard[embedded]'), "
            "or give --db-url postgresql://…, or use --db sqlite",
        )
    sandbox = SqliteSandbox(warning=SQLITE_FALLBACK_WARNING)
    say(f"no PostgreSQL sandbox ({'; '.join(problems)}); falling back to SQLite")
    return sandbox


__all__ = [
    "ENV_DB_URL",
    "EarlyDatabase",
    "Sandbox",
    "ServerSandbox",
    "SqliteSandbox",
    "close_all",
    "dialect_of",
    "new_database_name",
    "open_sandbox",
    "sync_url",
]
