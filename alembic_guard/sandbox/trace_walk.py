"""The lock trace inside the round trip: the walk's FIRST upgrade of each revision recorded, each
starting in a transaction of its own (PostgreSQL only).

Why commits inside the walk: the walk runs every revision, up, down and up again, in ONE
transaction it rolls back at the end, and PostgreSQL keeps every lock until its transaction
ends: by revision 40 it holds ACCESS EXCLUSIVE on every table revisions 1-39 created, and
revision 40's ALTER of one of them would show no new lock. Production's `alembic upgrade` of
revision 40 starts with no lock held; so does its first upgrade here: the walk commits right
before it (its own transaction in "transaction" mode; Alembic's, as `autocommit_block` does, in
"fresh" mode). The commits cost little (synchronous_commit is off in the throwaway database);
what they change is recovery: once something is committed, one rollback no longer empties the
sandbox, so after a failure the walk rebuilds the database instead (as fresh mode always did) -
a CREATE DATABASE per failure. A separate upgrade-only pass after the walk (`sandbox.trace_pass`,
which `trace_revisions` still uses) re-ran every upgrade: it added 70 % to a 100-revision round
trip (benchmarks/bench_trace.py), against the goal of 30 %; the commits inside the walk, with
the recorder's catalog queries prepared once per connection (trace.catalog.Prepared), add +24 to
+29 % to the whole `check` process (median of 7-9 interleaved runs on a quiet machine, 100
revisions; +32 % before the queries were prepared).

This module owns the walk's side of the trace: when a traced upgrade begins and ends, `--rows`
seeding, the sampler's connection, and the `Trace` handed back with the round trip's result. It
must not decide the walk's order or recovery (that is `sandbox.roundtrip`), and it never raises
for its own failures: a revision it cannot trace is left out, with a note.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from alembic_guard.masking import mask_secrets
from alembic_guard.sandbox.seed import Seeder
from alembic_guard.trace.model import RevisionTrace, Trace
from alembic_guard.trace.recorder import Recorder

NOT_POSTGRESQL = "lock traces need PostgreSQL; this round trip ran on {dialect}, so nothing was traced"


class WalkTracer:
    def __init__(self, project, env, *, with_data: bool = False, rows: dict[str, int] | None = None,
                 rows_possible: bool = False):
        self.project = project
        self.env = env
        self.with_data = with_data
        self.rows_wanted = dict(rows or {})
        self.seeded: dict[str, int] = {}
        self.seeder: Seeder | None = None
        self.revisions: dict[str, RevisionTrace] = {}
        self.notes: list[str] = []
        self.version: str | None = None
        self.url: str | None = None
        self.engine: sa.engine.Engine | None = None  # the sampler's, on the current sandbox database
        self.recorder = Recorder(version_table=env.config.get_main_option("version_table") or "alembic_version")
        # rows may be in the tables before any traced INSERT: count them at each revision's start
        self.recorder.rows_possible = rows_possible or with_data or bool(self.rows_wanted)

    def session(self, conn: sa.engine.Connection, url: str) -> None:
        """A new env.py run on `conn` (our connection, or the one env.py opened) in database `url`."""
        self.recorder.attach(conn)
        if url != self.url:  # a new sandbox database (after a rebuild): a new sampler
            self._drop_sampler()
            self.url = url
            self.recorder.database = None
            self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            self.recorder.sampler_connect = self.engine.raw_connection
        conn.exec_driver_sql("SET synchronous_commit = off")  # a throwaway database: no flush per commit
        if self.version is None:
            self.version = conn.exec_driver_sql("SHOW server_version").scalar()

    def begin(self, conn: sa.engine.Connection, revision: str, commit: Callable[[], None]) -> None:
        """Right before the first upgrade of `revision`: seed `--rows`, commit (no lock held
        any more), and start recording."""
        if self.rows_wanted:
            self._seed_rows(conn)
        commit()
        self.recorder.begin(revision, self.env.revision_path(revision), conn)

    def end(self, revision: str, complete: bool = True) -> None:
        """The upgrade of `revision` ended (complete=False: it failed)."""
        if self.recorder.revision != revision:
            return
        trace = self.recorder.finish(complete=complete, project_root=str(self.project.layout.root))
        if trace is not None:
            self.revisions[revision] = trace

    def close(self) -> Trace:
        self.recorder.detach()
        self._drop_sampler()
        notes = list(self.recorder.notes)
        notes += [f"--rows {t}: no row went in: {mask_secrets(self.seeder.notes.get(t, '?'))}"
                  for t, n in self.seeded.items() if n == 0 and self.seeder is not None]
        notes += [f"--rows {t}: no revision created it" for t in self.rows_wanted]
        return Trace(revisions=dict(self.revisions), server_version=self.version, with_data=self.with_data,
                     seeded_rows=dict(self.seeded), note="; ".join(notes) or None)

    def _seed_rows(self, conn) -> None:
        if self.seeder is None:
            self.seeder = Seeder()
        for table, n in list(self.rows_wanted.items()):
            name = table.replace("'", "''")
            if conn.exec_driver_sql(f"SELECT to_regclass('{name}')").scalar() is None:
                continue  # not created yet
            del self.rows_wanted[table]
            try:
                self.seeded[table] = self.seeder.bulk(conn, table, n)
            except Exception as exc:  # noqa: BLE001 - the trace goes on without these rows
                self.seeded[table] = 0
                self.seeder.notes[table] = f"{type(exc).__name__}: {exc}".splitlines()[0]

    def _drop_sampler(self) -> None:
        if self.recorder.sampler is not None:
            self.recorder.sampler.close()
            self.recorder.sampler = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
