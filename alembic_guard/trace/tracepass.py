"""The trace pass: each revision's upgrade run once more, alone in its own committed transaction,
with the `Recorder` listening (PostgreSQL only).

Why a pass of its own: the round trip runs every revision, up, down and up again, in ONE
transaction it rolls back at the end, and PostgreSQL keeps every lock until its transaction ends.
By revision 40 that transaction holds ACCESS EXCLUSIVE on every table revisions 1-39 created, so
revision 40's ALTER of one of them would show no new lock. Production's `alembic upgrade` of
revision 40 starts with no lock held; so does each revision here: the pass starts from the
emptied sandbox (the walk's rollback, or a new database after a walk in Alembic's own
transactions), upgrades the revisions in order in one env.py run, and commits between two
revisions (the transaction Alembic owns, as `autocommit_block` does). Statements outside a
transaction run as they would in production. Committing inside the walk instead would have
broken its one-rollback recovery and its `--with-data` retry on empty tables.

This module owns the pass: order, commits, seeding (`--with-data` rows, `--rows TABLE=N`),
failures (a failed upgrade is traced up to the failing statement, its descendants are not run)
and the `Trace` it returns. It must not report findings, and it touches only the sandbox
database it is given (the connection guard stays on while env.py runs).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic_guard.errors import GuardError
from alembic_guard.masking import mask_secrets
from alembic_guard.sandbox.alembic_runner import AlembicEnv, commit_between_steps
from alembic_guard.sandbox.connection_guard import ConnectionGuard
from alembic_guard.sandbox.seed import Seeder
from alembic_guard.sandbox.walk_plan import WalkPlan, stamp
from alembic_guard.sandbox.walk_runtime import set_timeouts
from alembic_guard.trace.model import RevisionTrace, Trace
from alembic_guard.trace.recorder import Recorder

NOT_POSTGRESQL = "lock traces need PostgreSQL; this round trip ran on {dialect}, so nothing was traced"


class TracePass:
    def __init__(self, project, env: AlembicEnv, plan: WalkPlan, order: list[str], traced: set[str], *,
                 guard: ConnectionGuard, with_data: bool = False, no_data: frozenset[str] = frozenset(),
                 rows: dict[str, int] | None = None, step_timeout: float | None = None):
        self.project = project
        self.env = env
        self.plan = plan
        self.queue = list(order)  # revisions to upgrade, parents first; `traced` are recorded
        self.traced = traced
        self.guard = guard
        self.with_data = with_data
        self.no_data = no_data
        self.rows_wanted = dict(rows or {})
        self.step_timeout = step_timeout
        self.seeder: Seeder | None = None
        self.revisions: dict[str, RevisionTrace] = {}
        self.seeded: dict[str, int] = {}
        self.notes: list[str] = []
        self.current: str | None = None
        self.recorder: Recorder | None = None
        self.url: str | None = None

    # ------------------------------------------------------------------ run
    def run(self, url: str, conn: sa.engine.Connection) -> Trace:
        """Upgrade `queue` in the database at `url` (empty but for setup-sql) through `conn`."""
        self.url = url
        version = None
        sampler_engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.recorder = Recorder(version_table=_version_table(self.env),
                                 sampler_connect=sampler_engine.raw_connection)
        try:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            if conn.in_transaction():
                conn.commit()
            while self.queue:
                try:
                    self.env.run(url, self._session, connection=conn, guard=self.guard, lazy_versions=False)
                except GuardError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the user's env.py or migration failed
                    if not self._failed(exc):
                        break
                    if conn.in_transaction():
                        conn.rollback()
                    continue
                if self.queue:
                    self.notes.append("env.py returned before running every revision: the rest was not traced")
                break
            if conn.in_transaction():
                conn.commit()
        finally:
            self.recorder.detach()
            sampler_engine.dispose()
        self.notes.extend(self.recorder.notes)
        if self.seeder is not None:
            self.notes.extend(f"--rows {t}: no row went in: {mask_secrets(self.seeder.notes.get(t, '?'))}"
                              for t, n in self.seeded.items() if n == 0)
        self.notes.extend(f"--rows {t}: no revision created it" for t in self.rows_wanted)
        return Trace(revisions=self.revisions, server_version=version, with_data=self.with_data,
                     seeded_rows=self.seeded, note="; ".join(self.notes) or None)

    def _failed(self, exc: BaseException) -> bool:
        """Record a failure; False: stop (env.py failed before any revision ran)."""
        rev, self.current = self.current, None
        if rev is None:
            text = mask_secrets(f"{type(exc).__name__}: {exc}").splitlines()[0]
            self.notes.append(f"env.py failed before the traced revisions ran: {text}")
            return False
        if rev in self.traced:
            trace = self.recorder.finish(complete=False, project_root=str(self.project.layout.root))
            if trace is not None:
                self.revisions[rev] = trace
        dropped = {rev} | set(self.project.graph.descendants(rev))
        self.queue = [r for r in self.queue if r not in dropped]
        return True

    # ------------------------------------------------------------------ one env.py run
    def _session(self, heads, mctx):
        conn = mctx.connection
        self.recorder.attach(conn)
        set_timeouts(conn, self.step_timeout)
        conn.exec_driver_sql("SET synchronous_commit = off")  # a throwaway database: no flush per revision
        graph = self.project.graph
        applied = set(heads)
        for head in heads:
            applied |= set(graph.ancestors(head))
        while self.queue:
            rev = self.queue[0]
            if rev in applied:
                self.queue.pop(0)
                continue
            step = self.env.up(rev)
            traced = rev in self.traced and rev not in self.plan.skip
            if rev in self.plan.skip:
                stamp(step)
            if traced:
                self._prepare(conn, rev)
                commit_between_steps(mctx)  # the revision starts with no lock held, as in production
                self.current = rev
                self.recorder.begin(rev, self.env.revision_path(rev), conn)
            else:
                self.plan.insert(conn, rev, "before")
                self.current = rev
            yield step
            if traced:
                trace = self.recorder.finish(complete=True, project_root=str(self.project.layout.root))
                if trace is not None:
                    self.revisions[rev] = trace
            self.current = None
            applied.add(rev)
            self.queue.pop(0)
            self.plan.insert(conn, rev, "at")

    def _prepare(self, conn, rev: str) -> None:
        """Rows the revision should find: `--with-data` rows, `--rows` bulk rows, revision data."""
        if self.with_data and rev not in self.no_data:
            if self.seeder is None:
                self.seeder = Seeder()
            self.seeder.seed(conn)
        if self.rows_wanted:
            if self.seeder is None:
                self.seeder = Seeder()
            for table, n in list(self.rows_wanted.items()):
                if conn.exec_driver_sql(f"SELECT to_regclass('{_literal(table)}')").scalar() is None:
                    continue  # not created yet
                del self.rows_wanted[table]
                self.seeded[table] = self.seeder.bulk(conn, table, n)
        self.plan.insert(conn, rev, "before")


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _version_table(env: AlembicEnv) -> str:
    return env.config.get_main_option("version_table") or "alembic_version"


def trace_revisions(project, sandbox, revisions=None, *, env: AlembicEnv | None = None,
                    with_data: bool = False, rows: dict[str, int] | None = None,
                    step_timeout: float | None = None) -> Trace:
    """Trace the upgrades of `revisions` (default: every revision) of `project`.

    `sandbox`: an object with create_database/drop_database/dialect (sandbox.database's
    sandboxes: a database is created and always dropped), or the URL of an empty PostgreSQL
    database the caller created (setup-sql is run in it; the caller drops it). The revisions'
    ancestors are upgraded first, untraced; each traced revision then runs in its own committed
    transaction. Never raises for the migrations' own failures (a failed upgrade is a trace with
    complete=False); raises GuardError when env.py reaches for another database. On another
    dialect: an empty Trace whose note says why."""
    dialect = sandbox.dialect if not isinstance(sandbox, str) else sa.engine.make_url(sandbox).get_backend_name()
    if dialect != "postgresql":
        return Trace(note=NOT_POSTGRESQL.format(dialect=dialect))
    env = env or AlembicEnv.load(project)
    known = set(env.script.revision_map._revision_map)  # noqa: SLF001
    order = [r for r in project.graph.upgrade_order() if r in known]
    wanted = set(order) if revisions is None else {r for r in revisions if r in known}
    needed = set(wanted)
    for rev in wanted:
        needed |= set(project.graph.ancestors(rev))
    order = [r for r in order if r in needed]
    plan = WalkPlan.build(project.settings, project.graph, known, dialect)
    url = sandbox if isinstance(sandbox, str) else sandbox.create_database()
    guard = ConnectionGuard(env.env_vars, env.root, env_py=env.env_py)
    guard.allow(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            plan.run_setup(conn)
            return TracePass(project, env, plan, order, wanted, guard=guard, with_data=with_data, rows=rows,
                             step_timeout=step_timeout).run(url, conn)
    finally:
        engine.dispose()
        if not isinstance(sandbox, str):
            sandbox.drop_database(url)
