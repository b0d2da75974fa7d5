"""Throwaway databases on a server: the owner marker, a bounded drop, and the sweep of a dead run's
leftovers.

A run that is SIGKILLed (or whose cleanup ran out of time) leaves its ``ag_<random>`` database on
the server. Every database a `ServerSandbox` creates therefore carries a marker naming its owner
process::

    alembic-guard throwaway database (pid <pid>); owner host=<hostname> pid=<pid> start=<start time>; safe to drop if left behind

PostgreSQL keeps it as the database comment (``COMMENT ON DATABASE``), MariaDB 10.5+ as the schema
comment (``CREATE DATABASE … COMMENT``). MySQL has no database comments: its databases carry no
marker and are never swept (drop a leftover ``ag_…`` database by hand).

`sweep_leftovers(conn, dialect)` drops a database only when all of these hold:

* its name is one we generate (``ag_`` … 12 hex digits),
* its comment is our marker,
* the marker names this host, and the owner process is gone (no such pid, or the pid now belongs
  to a process with another start time — a recycled pid is not mistaken for the owner).

A database with our prefix but no marker, another host's, or one whose owner is alive is left
alone. `drop_database(conn, dialect, name)` is the bounded drop both the sandbox and the sweep
use: it ends the connections to that one database first (MariaDB has no ``WITH (FORCE)``), waits
for locks a few seconds at a time and gives up after `DROP_DEADLINE` seconds with an error
instead of blocking (the next run's sweep then removes the database).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time

from alembic_guard.sandbox.tempdirs import _alive, _start_time

log = logging.getLogger(__name__)

MARKER_HEAD = "alembic-guard throwaway database"
_MARKER_RE = re.compile(re.escape(MARKER_HEAD) + r" \(pid \d+\); owner host=(\S+) pid=(\d+) start=(\S*);")
_OUR_NAME_RE = re.compile(r"^ag_[a-z0-9_]*[0-9a-f]{12}$")
DROP_DEADLINE = 20.0  # seconds a drop may take in all (lock waits and killing connections included)
LOCK_WAIT = 3  # seconds one DROP attempt waits for a lock before connections are killed again
SWEEP_LIMIT = 50  # databases one sweep drops at most (it runs before a round trip: keep it short)


# The process that owns (and drops) the sandbox: a round trip's forked child creates databases for
# its parent, which outlives it; set in the child (sandbox/child.py) so the marker names the parent.
OWNER_PID: int | None = None


def marker(*, host: str | None = None, pid: int | None = None, start: str | None = None) -> str:
    """The owner marker for a database this process creates (no quote characters: safe in SQL).
    The arguments override this process's host, pid and start time (for tests)."""
    host = host or _this_host()
    pid = pid or OWNER_PID or os.getpid()
    start = start if start is not None else (_start_time(pid) or "")
    return f"{MARKER_HEAD} (pid {pid}); owner host={host} pid={pid} start={start}; safe to drop if left behind"


def _this_host() -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "localhost"


def owner_gone(comment: str | None) -> bool:
    """The marker is ours, names this host, and its process no longer runs."""
    m = _MARKER_RE.match(comment or "")
    if m is None:
        return False
    host, pid, start = m.group(1), int(m.group(2)), m.group(3) or None
    if host != _this_host():
        return False  # another machine's run: we cannot know whether it is alive
    return not _alive(pid, start)


def mariadb_comments(server_version: tuple) -> bool:
    """CREATE DATABASE … COMMENT exists (MariaDB 10.5+; MySQL has none)."""
    return len(server_version) >= 2 and tuple(server_version[:2]) >= (10, 5)


def drop_database(conn, dialect: str, name: str, *, deadline: float | None = None) -> None:
    """DROP DATABASE `name` on the AUTOCOMMIT admin connection `conn`, bounded in time.

    Only connections to `name` itself are ended. Raises the last database error when the
    deadline (default: `DROP_DEADLINE` seconds from now) passes."""
    import sqlalchemy as sa

    if not _OUR_NAME_RE.match(name):
        raise ValueError(f"refusing to drop {name!r}: not a name alembic-guard generates")
    end = deadline if deadline is not None else time.monotonic() + DROP_DEADLINE
    try:
        _drop_bounded(conn, dialect, name, end)
    finally:  # the connection may go on (a CREATE after a sweep): no timeouts left behind
        try:
            if dialect == "postgresql":
                conn.execute(sa.text("RESET lock_timeout"))
                conn.execute(sa.text("RESET statement_timeout"))
            else:
                conn.execute(sa.text("SET SESSION lock_wait_timeout = DEFAULT"))
        except sa.exc.DBAPIError:
            pass


def _drop_bounded(conn, dialect: str, name: str, end: float) -> None:
    import sqlalchemy as sa

    if dialect == "postgresql":
        left = max(1, int(end - time.monotonic()))
        conn.execute(sa.text(f"SET lock_timeout = '{LOCK_WAIT}s'"))
        conn.execute(sa.text(f"SET statement_timeout = '{left}s'"))
        major = (conn.dialect.server_version_info or (0,))[0]
        while True:
            try:
                if major >= 13:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                else:
                    conn.execute(
                        sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                        {"n": name},
                    )
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                return
            except sa.exc.DBAPIError:
                if time.monotonic() >= end:
                    raise
                time.sleep(0.2)
    # MySQL/MariaDB: no WITH (FORCE). A connection with an open transaction holds a metadata lock
    # on the database's tables and DROP waits for it (lock_wait_timeout defaults to a year).
    conn.execute(sa.text(f"SET SESSION lock_wait_timeout = {LOCK_WAIT}"))
    while True:
        _kill_connections(conn, name)
        try:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
            return
        except sa.exc.DBAPIError:
            if time.monotonic() >= end:
                raise
            time.sleep(0.1)


def _kill_connections(conn, name: str) -> None:
    """End the MariaDB/MySQL connections whose current database is `name` (never our own)."""
    import sqlalchemy as sa

    rows = conn.execute(
        sa.text("SELECT id FROM information_schema.processlist WHERE db = :n AND id <> CONNECTION_ID()"),
        {"n": name},
    ).all()
    for (thread_id,) in rows:
        try:
            conn.execute(sa.text(f"KILL CONNECTION {int(thread_id)}"))
        except sa.exc.DBAPIError:
            pass  # already gone


def leftovers(conn, dialect: str) -> list[str]:
    """Names of databases a dead run of alembic-guard on this host left on the server."""
    import sqlalchemy as sa

    if dialect == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname LIKE 'ag\\_%' AND NOT datistemplate"
            )
        ).all()
    else:
        try:
            rows = conn.execute(
                sa.text("SELECT schema_name, schema_comment FROM information_schema.schemata WHERE schema_name LIKE 'ag\\_%'")
            ).all()
        except sa.exc.DBAPIError:
            return []  # MySQL: no schema_comment column, so no marker to trust
    return sorted(name for name, comment in rows if _OUR_NAME_RE.match(name) and owner_gone(comment))


def sweep_leftovers(conn, dialect: str, *, deadline: float | None = None) -> list[str]:
    """Drop the databases `leftovers` finds (at most `SWEEP_LIMIT`, within `DROP_DEADLINE`
    seconds in all); return the names dropped. Failures are logged, never raised: a sweep must
    not stop the run that does it."""
    import sqlalchemy as sa

    end = deadline if deadline is not None else time.monotonic() + DROP_DEADLINE
    dropped = []
    try:
        names = leftovers(conn, dialect)[:SWEEP_LIMIT]
    except sa.exc.DBAPIError as exc:
        log.debug("alembic-guard: could not list leftover databases: %s", exc.__class__.__name__)
        return dropped
    for name in names:
        if time.monotonic() >= end:
            break
        try:
            drop_database(conn, dialect, name, deadline=end)
        except sa.exc.DBAPIError as exc:
            log.warning("alembic-guard: could not drop leftover database %s: %s", name, str(getattr(exc, "orig", exc)).splitlines()[0])
            continue
        dropped.append(name)
        log.info("alembic-guard: dropped database %s left behind by a run that no longer exists", name)
    return dropped
