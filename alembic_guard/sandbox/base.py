"""The sandbox interface: `Sandbox`, a context manager that hands out uniquely named throwaway
databases and removes everything it made when it is closed.

Owns the life cycle every backend shares: recording a database's name before its CREATE runs (so
an interrupt between CREATE and return still drops it), refusing to drop a database it did not
name, waiting for creations in other threads before `close` drops, the forked round-trip child's
hand-over (`adopt`, `disown`, `attach_child`, `after_fork`), and registering with `cleanup` so
signals and exit close it. Backends subclass it and implement `_create`/`_drop` (and `_shutdown`,
`_cancel_running`); this module must not know any backend, server or dialect, and must not keep
its own copy of the process-wide cleanup state (it calls `cleanup`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable

from alembic_guard.errors import DatabaseUnavailable, GuardError
from alembic_guard.masking import mask_secrets, mask_url
from alembic_guard.sandbox import cleanup
from alembic_guard.sandbox.names import NAME_PREFIX, new_database_name

# The logger name from before the split of sandbox/database.py: what users' logging configuration
# and benchmarks/sigint_roundtrip.py (it reads "created database" lines) set to DEBUG.
log = logging.getLogger("alembic_guard.sandbox.database")

CREATE_WAIT = 30.0  # seconds close() waits for a CREATE DATABASE running in another thread

Progress = Callable[[str], None] | None


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
        cleanup.register(self)

    def after_fork(self) -> None:
        """In a forked child (sandbox/child.py): locks another thread of the parent may have held at the
        moment of the fork (a leftover sweep, a CREATE in flight) are never released here; take fresh ones."""
        cleanup.reset_lock_after_fork()
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
        with cleanup.SignalsDeferred():
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
            cleanup.unregister(self)
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
        import sqlalchemy as sa  # start-up cost: loaded only once a sandbox is used

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
        with cleanup.SignalsDeferred():
            self._drop(name)
        del self._created[name]
