"""The standalone trace pass: chosen revisions upgraded once more, each alone in its own
committed transaction, with the `Recorder` listening (PostgreSQL only) - what `trace REV` and
other code call (`trace_revisions`), without a round trip.

Each traced revision starts with no lock held, as production's `alembic upgrade` of it would:
its ancestors are upgraded first (untraced, one transaction), then the pass commits between two
revisions (the transaction Alembic owns, as `autocommit_block` does) and Alembic writes its
version table after every step (so a failure leaves a consistent database: the next env.py run
goes on from there with the revisions that do not descend from the failed one). The round trip
itself does not use this pass: re-running every upgrade added 70 % to a 100-revision round trip,
so the walk records its own first upgrades (`sandbox.trace_walk`).

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
from alembic_guard.trace.model import Trace
from alembic_guard.sandbox.trace_walk import NOT_POSTGRESQL, WalkTracer


class TracePass:
    def __init__(self, project, env: AlembicEnv, plan: WalkPlan, order: list[str], traced: set[str], *,
                 guard: ConnectionGuard, with_data: bool = False, rows: dict[str, int] | None = None,
                 step_timeout: float | None = None):
        self.project = project
        self.env = env
        self.plan = plan
        self.queue = list(order)  # revisions to upgrade, parents first; `traced` are recorded
        self.traced = traced
        self.guard = guard
        self.with_data = with_data
        self.step_timeout = step_timeout
        self.seeder: Seeder | None = None
        # untraced ancestors run first: they (or revision data, seeding) may leave rows behind
        self.tracer = WalkTracer(project, env, with_data=with_data, rows=rows,
                                 rows_possible=not plan.empty or len(traced) < len(order))
        self.notes: list[str] = []
        self.current: str | None = None
        self.url: str | None = None

    def run(self, url: str, conn: sa.engine.Connection) -> Trace:
        """Upgrade `queue` in the database at `url` (empty but for setup-sql) through `conn`."""
        self.url = url
        try:
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
            trace = self.tracer.close()
        notes = [n for n in (*self.notes, trace.note) if n]
        return Trace(revisions=trace.revisions, server_version=trace.server_version, with_data=self.with_data,
                     seeded_rows=trace.seeded_rows, note="; ".join(notes) or None)

    def _failed(self, exc: BaseException) -> bool:
        """Record a failure; False: stop (env.py failed before any revision ran)."""
        rev, self.current = self.current, None
        if rev is None:
            text = mask_secrets(f"{type(exc).__name__}: {exc}").splitlines()[0]
            self.notes.append(f"env.py failed before the traced revisions ran: {text}")
            return False
        self.tracer.end(rev, complete=False)
        dropped = {rev} | set(self.project.graph.descendants(rev))
        self.queue = [r for r in self.queue if r not in dropped]
        return True

    def _session(self, heads, mctx):
        conn = mctx.connection
        self.tracer.session(conn, self.url)
        set_timeouts(conn, self.step_timeout)
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
            if traced and self.with_data:
                if self.seeder is None:
                    self.seeder = Seeder()
                self.seeder.seed(conn)
            self.plan.insert(conn, rev, "before")
            self.current = rev
            if traced:
                self.tracer.begin(conn, rev, lambda: commit_between_steps(mctx))  # no lock held, as in production
            yield step
            if traced:
                self.tracer.end(rev)
            self.current = None
            applied.add(rev)
            self.queue.pop(0)
            self.plan.insert(conn, rev, "at")


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
