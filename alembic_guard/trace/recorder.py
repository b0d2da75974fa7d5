"""The lock trace recorder: SQLAlchemy cursor events on the migration's connection turn each
statement one revision's upgrade executes into a `TracedStatement` (PostgreSQL only).

For a statement issued from the revision's file (the innermost frame of that file gives the
line; a helper in another module called from the revision gets the calling line), it records
the duration, the relation locks our backend newly holds after it (pg_locks, compared with what
it held before), which of those relations existed when the revision began (an oid snapshot at
its start), the existing relations it rewrote (relfilenode changed) and the existing tables it
read whole (pg_stat_xact_user_tables.seq_scan grew). A statement outside a transaction
(`autocommit_block`, CONCURRENTLY) holds its locks only while it runs: a `catalog.Sampler` on a
second connection watches them. Statements not issued from the revision file (Alembic's version
table, our seeding) are not recorded.

This module owns the events and the per-statement bookkeeping. It must never make a statement of
the migration fail: any error of its own ends the recording of that revision with a note. It
does not decide when revisions begin and end, nor commit anything (that is `sandbox.trace_pass`).

Who drives it: the round trip's walk (`sandbox.trace_walk`) and the standalone upgrade-only pass
other code calls, `sandbox.trace_pass.trace_revisions(project, sandbox, revisions)`.
"""

from __future__ import annotations

import os
import sys
import time

import sqlalchemy as sa

from alembic_guard.masking import mask_secrets
from alembic_guard.trace import catalog
from alembic_guard.trace.model import LockHeld, RevisionTrace, TracedStatement, mode_from_pg

SQL_LIMIT = 300  # characters of a statement kept in the trace


def short_sql(statement: str) -> str:
    text = " ".join(mask_secrets(str(statement)).split())
    return text if len(text) <= SQL_LIMIT else text[: SQL_LIMIT - 1] + "…"


class Recorder:
    """Records the statements of one revision at a time on one SQLAlchemy connection."""

    def __init__(self, version_table: str = "alembic_version", sampler_connect=None):
        self.version_table = version_table
        self.sampler_connect = sampler_connect  # () -> DBAPI connection to the sandbox (for autocommit statements)
        self.sampler: catalog.Sampler | None = None
        self.prepared = catalog.Prepared()  # the per-statement look, planned once per connection
        self.conns: list = []
        self.revision: str | None = None
        self.path: str | None = None  # the revision file (real path)
        self.statements: list[TracedStatement] = []
        self.notes: list[str] = []
        self.rows_possible = False  # rows may be in the tables (seeded, revision data, an INSERT seen): count them
        self.database: int | None = None  # the sandbox database's oid
        self._files: dict[str, str] = {}  # code filename -> real path
        self._pending = None
        self._reset()

    def _reset(self) -> None:
        self.start_rels: dict[int, catalog.Rel] = {}
        self.schema = "public"
        self.locked: set[tuple[int, str]] = set()  # (oid, pg mode) held after the last look
        self.stale = True  # something ran since the last look at pg_locks
        self.nodes: dict[int, int] = {}  # existing oid -> relfilenode last seen
        self.scans: dict[int, int] = {}
        self.names: dict[int, tuple[str, str, int | None]] = {}  # oid -> (name, kind, table oid) seen
        self.rows: dict[int, int] = {}
        self.t0 = 0.0
        self.failed = False

    # ------------------------------------------------------------------ events
    def attach(self, conn: sa.engine.Connection) -> None:
        if any(c is conn for c in self.conns):
            return
        sa.event.listen(conn, "before_cursor_execute", self._before)
        sa.event.listen(conn, "after_cursor_execute", self._after)
        self.conns.append(conn)

    def detach(self) -> None:
        for conn in self.conns:
            for name, fn in (("before_cursor_execute", self._before), ("after_cursor_execute", self._after)):
                try:
                    sa.event.remove(conn, name, fn)
                except Exception:  # noqa: BLE001 - already gone with its connection
                    pass
        self.conns = []
        if self.sampler is not None:
            self.sampler.close()
            self.sampler = None

    # ------------------------------------------------------------------ one revision
    def begin(self, revision: str, path: str | None, conn: sa.engine.Connection) -> None:
        """The revision's upgrade starts now (its transaction has just begun)."""
        self._reset()
        self.revision, self.path, self.statements = revision, _real(path) if path else None, []
        self._pending = None
        try:
            raw = _dbapi(conn)
            if self.database is None:
                self.database = catalog.database_oid(raw)
            seen = catalog.look(raw, self.database, relations=True, sizes=self.rows_possible, prepared=self.prepared)
            self.schema = seen.schema or "public"
            self.start_rels = seen.relations
            for rel in self.start_rels.values():
                self.names[rel.oid] = (self._name(rel.schema, rel.name), rel.kind, rel.table_oid)
            self.nodes = {oid: rel.filenode for oid, rel in self.start_rels.items()}
            tables = [r for r in self.start_rels.values() if r.relkind in ("r", "p") and r.name != self.version_table]
            self.rows = catalog.row_counts(raw, tables) if self.rows_possible else {t.oid: 0 for t in tables}
            self.scans = {t.oid: seen.scans.get(t.oid, 0) for t in tables}
            self.locked = {(row[0], row[1]) for row in seen.held}
            if any(t.size for t in tables):  # our count(*) scanned them: the counters moved
                self.scans.update(catalog.look(raw, self.database, scans_of=self.scans).scans)
            self.stale = False
        except Exception as exc:  # noqa: BLE001 - the revision runs; its trace is left out
            self._give_up(exc)
        self.t0 = time.perf_counter()

    def finish(self, complete: bool = True, project_root: str | None = None) -> RevisionTrace | None:
        """The revision's trace (None when this recorder gave up on it)."""
        if self._pending is not None:
            self._failed_statement()
        revision, self.revision = self.revision, None
        if revision is None or self.failed:
            return None
        touched = {lock.relation for s in self.statements for lock in s.locks if lock.existed and lock.kind == "table"}
        rows = {self.names[oid][0]: n for oid, n in self.rows.items() if self.names[oid][0] in touched}
        path = self.path
        if path and project_root:
            try:
                path = os.path.relpath(path, project_root)
            except ValueError:
                pass
        return RevisionTrace(revision=revision, statements=tuple(self.statements), rows=rows,
                             seconds=time.perf_counter() - self.t0, complete=complete, path=path)

    def _give_up(self, exc: BaseException) -> None:
        self.failed = True
        why = mask_secrets(f"{type(exc).__name__}: {exc}").splitlines()[0]
        self.notes.append(f"`{self.revision}` not traced: {why}")

    # ------------------------------------------------------------------ the statement events
    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self._pending is not None:
            self._failed_statement()  # the migration caught the error and went on
        if self.revision is None or self.failed:
            return
        line = self._line()
        if line is None:
            self.stale = True  # Alembic's own statements may take locks too
            return
        try:
            raw = _dbapi(conn)
            autocommit = bool(getattr(raw, "autocommit", False))
            if autocommit:
                self.stale = True
                if self.sampler is None and self.sampler_connect is not None:
                    self.sampler = catalog.Sampler(self.sampler_connect, catalog.backend_pid(raw))
                if self.sampler is not None:
                    self.sampler.start()
            elif self.stale:
                held = catalog.look(raw, self._database(raw), prepared=self.prepared).held
                self.locked = {(row[0], row[1]) for row in held}
                self.stale = False
        except Exception as exc:  # noqa: BLE001
            self._give_up(exc)
            return
        self._pending = (statement, line, autocommit, time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        pending, self._pending = self._pending, None
        if pending is None or self.failed:
            return
        sql, line, autocommit, t0 = pending
        seconds = time.perf_counter() - t0
        try:
            raw = _dbapi(conn)
            if autocommit:
                locks, rewrites = self._sampled(raw)
                scans: tuple[str, ...] = ()
            else:
                locks, rewrites, scans = self._looked(raw)
        except Exception as exc:  # noqa: BLE001
            self._give_up(exc)
            return
        self.statements.append(TracedStatement(sql=short_sql(sql), line=line, seconds=seconds, locks=locks,
                                               rewrites=rewrites, scans=scans, autocommit=autocommit))

    def _failed_statement(self) -> None:
        """The pending statement never reached after_cursor_execute: the database rejected it
        (handle_error cannot be listened for per connection)."""
        pending, self._pending = self._pending, None
        if pending is None or self.failed:
            return
        sql, line, autocommit, t0 = pending
        locks: tuple[LockHeld, ...] = ()
        if autocommit and self.sampler is not None:
            try:
                locks = self._sampled_locks(self.sampler.stop())
            except Exception:  # noqa: BLE001 - the failure is what matters
                pass
        self.stale = True
        self.statements.append(TracedStatement(sql=short_sql(sql), line=line, seconds=time.perf_counter() - t0,
                                               locks=locks, autocommit=autocommit, ok=False))

    # ------------------------------------------------------------------ reading the catalog
    def _looked(self, raw) -> tuple[tuple[LockHeld, ...], tuple[str, ...], tuple[str, ...]]:
        seen = catalog.look(raw, self._database(raw), scans_of=self.scans, prepared=self.prepared)
        now: set[tuple[int, str]] = set()
        new: list[LockHeld] = []
        rewrites: list[str] = []
        for oid, mode, schema, name, relkind, filenode, table_oid in seen.held:
            key = (oid, mode)
            now.add(key)
            if name is not None:
                if oid not in self.start_rels:  # an existing relation keeps the name it had (a rename)
                    self.names[oid] = (self._name(schema, name), catalog.KINDS.get(relkind, "other"), table_oid)
                if oid in self.start_rels and filenode is not None and self.nodes.get(oid) != filenode:
                    rewrites.append(self.names[oid][0])
                    self.nodes[oid] = filenode
            if key not in self.locked:
                if mode == "RowExclusiveLock":
                    self.rows_possible = True  # an INSERT (or UPDATE, DELETE): from now on, count rows
                lock = self._lock(oid, mode, "held")
                if lock is not None:
                    new.append(lock)
        self.locked = now
        scans = []
        for oid, n in seen.scans.items():
            if n > self.scans.get(oid, 0):
                scans.append(self.names[oid][0])
            self.scans[oid] = n
        return tuple(new), tuple(rewrites), tuple(scans)

    def _sampled(self, raw) -> tuple[tuple[LockHeld, ...], tuple[str, ...]]:
        seen = self.sampler.stop() if self.sampler is not None else {}
        current = catalog.look(raw, self._database(raw), relations=True).relations  # names of what it created
        for rel in current.values():
            self.names.setdefault(rel.oid, (self._name(rel.schema, rel.name), rel.kind, rel.table_oid))
        locks = self._sampled_locks(seen)
        rewrites = []
        for oid, rel in current.items():
            if oid in self.start_rels and self.nodes.get(oid) != rel.filenode:
                rewrites.append(self.names[oid][0])
                self.nodes[oid] = rel.filenode
        return locks, tuple(rewrites)

    def _sampled_locks(self, seen: dict[int, set[str]]) -> tuple[LockHeld, ...]:
        out = []
        for oid in sorted(seen):
            for mode in sorted(seen[oid]):
                lock = self._lock(oid, mode, "sampled")
                if lock is not None:
                    out.append(lock)
        return tuple(out)

    def _lock(self, oid: int, pg_mode: str, observed: str) -> LockHeld | None:
        known = self.names.get(oid)
        if known is None:
            return None  # created and dropped between two looks: nothing production would wait on
        name, kind, table_oid = known
        if name == self.version_table or name.endswith("." + self.version_table):
            return None
        table = self.names[table_oid][0] if table_oid in self.names else None
        return LockHeld(relation=name, mode=mode_from_pg(pg_mode), kind=kind, existed=oid in self.start_rels,
                        table=table if kind == "index" else None, observed=observed)

    def _database(self, raw) -> int:
        if self.database is None:
            self.database = catalog.database_oid(raw)
        return self.database

    def _name(self, schema: str | None, name: str) -> str:
        return name if not schema or schema == self.schema else f"{schema}.{name}"

    def _line(self) -> int | None:
        """The line of the revision file in the innermost frame that belongs to it."""
        if self.path is None:
            return None
        frame = sys._getframe(2)  # noqa: SLF001 - the walk outward from SQLAlchemy's event dispatch
        while frame is not None:
            filename = frame.f_code.co_filename
            real = self._files.get(filename)
            if real is None:
                real = self._files[filename] = _real(filename)
            if real == self.path:
                return frame.f_lineno
            frame = frame.f_back
        return None


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _dbapi(conn):
    """The DBAPI connection under a SQLAlchemy Connection (psycopg2, psycopg 3, the asyncpg adapter)."""
    return conn.connection.dbapi_connection
