"""The process around a walk: Python's garbage collector paused and run every few dozen
revisions, and SIGINT/SIGTERM turned into a cancel of the statement the database is running.

This module owns those two context managers, the statement and lock timeouts a walk sets
(`--step-timeout`) and the cancel of running statements. It must not know what a revision is: it is given a
walker with `cancel_running()` and nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa


GC_EVERY = 50  # revisions between two garbage collections during a walk


class _CollectEvery:
    """Python's cyclic garbage collector paused during the walk, run every `n` revisions instead.

    A walk allocates a great many short-lived objects (SQLAlchemy's tables, columns and compiled
    DDL, Alembic's steps), and the collector's automatic passes over them cost a tenth of the
    process's CPU time; the few reference cycles left per revision (kilobytes) are freed by the
    periodic collection instead. Everything alive when the walk starts (imported modules, the
    project, SQLAlchemy's and Alembic's own objects) is frozen for the walk (`gc.freeze`), so
    each periodic collection scans only what the walk allocated since: a full collection over
    all of it cost ~60 ms each. Unfrozen again at the end (a host process, such as a test session
    using the pytest plugin, gets its collector back as it was)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.was_enabled = False

    def __enter__(self) -> "_CollectEvery":
        import gc

        self.was_enabled = gc.isenabled()
        gc.disable()
        gc.freeze()
        return self

    def tick(self) -> None:
        self.count += 1
        if self.count % self.n == 0:
            import gc

            gc.collect()

    def __exit__(self, *exc) -> None:
        import gc

        gc.unfreeze()
        if self.was_enabled:
            gc.enable()


class _CancelOnSignal:
    """While the walk runs, SIGINT/SIGTERM also cancel the statement the database is running.

    Python runs signal handlers only between bytecodes; a migration blocked in the driver (a lock
    wait, `pg_sleep`) would keep Ctrl-C waiting. The signal's wakeup fd wakes a thread that
    cancels the running statements, so the main thread returns and the handlers (which raise
    KeyboardInterrupt / SystemExit) run, and the sandbox is dropped as usual."""

    def __init__(self, walker):
        self.walker = walker
        self.pipe: tuple[int, int] | None = None
        self.old_fd = -1

    def __enter__(self):
        import os
        import signal
        import threading

        if self.walker is None or threading.current_thread() is not threading.main_thread():
            return self
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        try:
            self.old_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        except (ValueError, OSError):
            os.close(read_fd)
            os.close(write_fd)
            return self
        self.pipe = (read_fd, write_fd)
        threading.Thread(target=self._watch, args=(read_fd,), name="ag-cancel-on-signal", daemon=True).start()
        return self

    def _watch(self, read_fd: int) -> None:
        import os
        import signal

        wanted = {int(signal.SIGINT), int(signal.SIGTERM)}
        while True:
            try:
                data = os.read(read_fd, 64)
            except OSError:
                return
            if not data:
                return  # the walk is over
            if wanted & set(data):
                self.walker.cancel_running()

    def __exit__(self, *exc) -> None:
        import os
        import signal

        if self.pipe is None:
            return
        try:
            signal.set_wakeup_fd(self.old_fd)
        except (ValueError, OSError):
            pass
        read_fd, write_fd = self.pipe
        os.close(write_fd)  # EOF ends the watcher thread, which then closes nothing else
        self.pipe = None
        try:
            os.close(read_fd)
        except OSError:
            pass


def cancel_statements(url: str, dialect: str) -> None:
    """Cancel every statement running in the sandbox database at `url` (from another thread): a
    blocking query never returns to Python, so Ctrl-C / SIGTERM would wait for it."""
    if dialect not in ("postgresql", "mysql"):
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            else:
                ids = conn.exec_driver_sql(
                    "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                ).scalars().all()
                for pid in ids:
                    conn.exec_driver_sql(f"KILL QUERY {int(pid)}")
    except Exception:  # noqa: BLE001 - best effort: the sandbox's cleanup drops the database anyway
        pass
    finally:
        engine.dispose()


def set_timeouts(conn, step_timeout: float | None) -> None:
    """Statement and lock timeouts of `step_timeout` seconds on `conn` (PostgreSQL, MySQL/MariaDB)."""
    if not step_timeout:
        return
    ms = max(1, int(step_timeout * 1000))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET statement_timeout = {ms}")
        conn.exec_driver_sql(f"SET lock_timeout = {ms}")
    elif conn.dialect.name in ("mysql", "mariadb"):
        seconds = max(1, int(round(step_timeout)))
        conn.exec_driver_sql(f"SET SESSION lock_wait_timeout = {seconds}")
        try:
            conn.exec_driver_sql(f"SET SESSION max_statement_time = {step_timeout:.3f}")  # MariaDB
        except sa.exc.DBAPIError:
            conn.exec_driver_sql(f"SET SESSION max_execution_time = {ms}")  # MySQL (SELECTs only)
