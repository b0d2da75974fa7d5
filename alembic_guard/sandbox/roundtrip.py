"""The branch-aware round trip: upgrade, downgrade, re-upgrade every revision, in a sandbox.

For every revision R in upgrade order (all branches and merge points, parents first):

1. (`--with-data`) seed a few synthetic rows into every table;
2. upgrade R (one step), snapshot the schema;
3. downgrade R (one step), snapshot, compare with the snapshot taken before step 2;
4. upgrade R again.

Irreversible revisions (no `downgrade()`, or one that raises NotImplementedError) are a floor:
they are upgraded but never downgraded. A failed upgrade makes R's descendants untestable; they
are listed, not run. Everything is returned as values (`RoundTripResult`); rules turn them into
findings.

Speed and fidelity:
- env.py runs once for the whole walk (a generator feeds Alembic one step at a time), and again
  only after a failure;
- on PostgreSQL the walk runs in ONE transaction that is rolled back at the end ("transaction"
  mode); after a failure one rollback empties the sandbox and the next env.py run upgrades
  straight back to where the walk was. With the lock trace (on by default from the settings)
  the walk commits before each revision's first upgrade, which is recorded (sandbox.trace_walk
  says why), and rebuilds the database after a failure instead. Revisions that cannot run
  inside a transaction (autocommit_block, CONCURRENTLY, VACUUM, ALTER TYPE ... ADD VALUE, COMMIT)
  switch the walk to Alembic's own transactions ("fresh" mode): found by scanning the revision
  sources, and also by the AssertionError / "cannot run inside a transaction block" they raise;
- MySQL/MariaDB and SQLite always use fresh mode (their DDL commits implicitly); after a failure
  the sandbox database is rebuilt and upgraded straight back to where the walk was;
- in transaction mode the schema snapshots re-read only what each step's DDL touched
  (`schema_snapshot.track`), and Alembic's version table is written when something may read it,
  not after every step (`alembic_runner._LazyVersionTable`).
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

from alembic_guard.errors import GuardError
from alembic_guard.masking import mask_secrets
from alembic_guard.sandbox import child, schema_snapshot
from alembic_guard.sandbox.alembic_runner import AlembicEnv
from alembic_guard.sandbox.connection_guard import ConnectionGuard
from alembic_guard.sandbox.names import ROUNDTRIP_PREFIX
from alembic_guard.sandbox.env_style import sync_driver_of
from alembic_guard.sandbox.seed import Seeder
from alembic_guard.sandbox.walk_result import (  # noqa: F401 - re-exported: the walk's vocabulary
    DOWNGRADE,
    ENV,
    NO_TARGET_METADATA,
    REUPGRADE,
    UPGRADE,
    DriftItem,
    RoundTripResult,
    StepResult,
)
from alembic_guard.sandbox.step_errors import OUTSIDE_TX_ERRORS, describe_error, own_code_raised
from alembic_guard.sandbox.walk_plan import WalkPlan, catchup_targets, stamp
from alembic_guard.sandbox.walk_plan import shard_segment, statically_irreversible  # noqa: F401 - re-exported
from alembic_guard.sandbox.walk_runtime import GC_EVERY, _CancelOnSignal, _CollectEvery, cancel_statements, set_timeouts
from alembic_guard.sandbox.alembic_runner import commit_between_steps
from alembic_guard.trace.model import Trace
from alembic_guard.sandbox.trace_walk import NOT_POSTGRESQL, WalkTracer


_NO_TRANSACTION_RE = re.compile(
    r"autocommit_block|concurrently|\bvacuum\b|add\s+value|alter\s+system|create\s+database|drop\s+database"
    r"|execute\(\s*['\"]\s*commit",
    re.IGNORECASE,
)


class _Own(Exception):
    """An error in alembic-guard's own code between steps (not the user's migration)."""

    def __init__(self, exc: BaseException):
        super().__init__(str(exc))
        self.exc = exc




# ---------------------------------------------------------------------------------- the walk
class Walker:
    def __init__(self, project, sandbox, *, with_data: bool = False, step_timeout: float | None = None,
                 shard: tuple[int, int] | None = None, drift: bool = False,
                 progress: Callable[[str], None] | None = None, env: AlembicEnv | None = None,
                 lock_trace: bool = False, trace_rows: dict[str, int] | None = None):
        self.project = project
        self.sandbox = sandbox
        self.env = env or AlembicEnv.load(project)
        self.with_data = with_data
        self.step_timeout = step_timeout
        self.want_drift = drift
        self.progress = progress
        known = set(self.env.script.revision_map._revision_map)  # noqa: SLF001
        self.order = tuple(r for r in project.graph.upgrade_order() if r in known)
        prefix, segment = shard_segment(self.order, shard)
        self.segment = segment
        self.applied: set[str] = set(prefix)  # our model of what the sandbox holds
        self.queue = list(segment)
        self.phase = UPGRADE  # where the head of the queue resumes
        self.no_data: set[str] = set()  # revisions to retry without seeded rows
        self.result = RoundTripResult(dialect=sandbox.dialect, sandbox_kind=getattr(sandbox, "kind", "?"), shard=shard,
                                      with_data=with_data, walked=segment, project=project)
        self.result.warnings.extend(getattr(sandbox, "warnings", ()) or ())
        self._note_async_driver()
        wanted = project.dialect
        if wanted and wanted != "sqlite" and sandbox.dialect == "sqlite" and not self.result.warnings:
            self.result.warnings.append(
                f"this is a {wanted} project but the round trip ran on {sandbox.dialect}: "
                f"{wanted}-specific behaviour (types, transactional DDL, locking) was not tested"
            )
        self.files = {str(m.path.resolve()): m.revision_id for m in project.migrations if m.revision_id}
        self.files[str(project.layout.env_py.resolve())] = "env.py"
        for m in project.migrations:
            if m.revision_id in known and statically_irreversible(m):
                self.result.irreversible[m.revision_id] = "static"
        self.plan = self._plan(project, known, sandbox.dialect)
        to_run = set(prefix) | set(segment)  # the prefix runs too: the catch-up of a shard
        needs_autocommit = [m.revision_id for m in project.migrations
                            if m.revision_id in to_run and _NO_TRANSACTION_RE.search(m.source)]
        self.mode = "transaction" if sandbox.dialect == "postgresql" and not needs_autocommit else "fresh"
        self.current: tuple[str, str] | None = None
        self.url: str | None = None
        self.engine = self.conn = self.outer = None
        self.seeder = None
        self.foreign = False
        self.before = self.after_up = None
        self.trace = False
        self.gc = _CollectEvery(GC_EVERY)
        self.guard = ConnectionGuard(self.env.env_vars, self.env.root, env_py=self.env.env_py)
        # the lock trace of each revision's first upgrade (sandbox.trace_walk: why commits in the walk)
        self.tracer = WalkTracer(project, self.env, with_data=with_data, rows=trace_rows,
                                 rows_possible=bool(prefix) or not self.plan.empty) \
            if lock_trace and sandbox.dialect == "postgresql" else None
        if lock_trace and self.tracer is None:
            self.result.trace = Trace(note=NOT_POSTGRESQL.format(dialect=sandbox.dialect))
        self.committed = False  # something was committed in this database: a rollback no longer empties it
        self.on_step: Callable[[str, str], None] | None = None  # told where the walk is (the parent, in a child)
        self.cancel_on_signal = True  # SIGINT/SIGTERM cancel the running statement (not in a child: it just ends)

    def _note_async_driver(self) -> None:
        """An async env.py: the project's own URL must name an async driver (AG308)."""
        self.result.async_env = self.env.is_async
        driver = sync_driver_of(self.env.configured_url) if self.env.is_async else None
        if driver:
            self.result.sync_driver = driver
            self.result.configured_url = mask_secrets(self.env.configured_url or "")

    # ------------------------------------------------------------------ database
    def _open(self, url: str | None = None) -> None:
        self.url = url or self.sandbox.create_database(ROUNDTRIP_PREFIX)
        self.committed = False
        self.guard.allow(self.url)
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.conn = self.engine.connect()
        self.plan.run_setup(self.conn)  # setup-sql, committed: a rollback of the walk keeps it
        if self.mode == "transaction":
            self._begin()

    def _begin(self) -> None:
        """The walk's one transaction (transaction mode); snapshots in it only re-read what changed."""
        self.outer = self.conn.begin()
        schema_snapshot.track(self.conn)

    def _rollback(self) -> None:
        schema_snapshot.forget(self.conn)
        self.outer.rollback()
        self.outer = None

    def _close(self, drop: bool = True) -> None:
        try:
            if self.conn is not None:
                if self.outer is not None and self.outer.is_active:
                    self._rollback()
                self.conn.close()
        finally:
            if self.engine is not None:
                self.engine.dispose()
            self.conn = self.engine = self.outer = None
            if drop and self.url is not None:
                url, self.url = self.url, None
                self.sandbox.drop_database(url)

    def _rebuild(self) -> None:
        """Fresh mode after a failure: a new database, upgraded straight back to `applied`."""
        self._close()
        self._open()

    # ------------------------------------------------------------------ run
    def run(self, url: str | None = None, drop: bool = True) -> RoundTripResult:
        """Walk; `url`: an empty database of the sandbox to start in (else one is created).
        `drop`: drop the last database at the end (else the caller does: the parent of a child)."""
        started = time.perf_counter()
        self.result.mode = self.mode
        try:
            self._open(url)
        except BaseException:
            if url is not None and self.url is None:
                self.sandbox.drop_database(url)
            raise
        try:
            with _CancelOnSignal(self if self.cancel_on_signal else None), _CollectEvery(GC_EVERY) as self.gc:
                self._walk()
            if self.want_drift and self.result.drift is None and not self.result.drift_note:
                self.result.drift_note = "the walk did not reach head, so the schema at head was never built"
            if self.mode == "fresh" and self.conn is not None and self.conn.in_transaction():
                self.conn.commit()
        finally:
            if self.tracer is not None:
                self.result.trace = self.tracer.close()
            self._close(drop=drop)
            self.result.mode = self.mode
            self.result.seconds = time.perf_counter() - started
            if self.seeder is not None:
                self.result.seed_notes = {t: mask_secrets(n) for t, n in self.seeder.notes.items()}
        return self.result

    def _walk(self) -> None:
        while True:
            try:
                self.env.run(self.url, self._session, connection=self.conn, guard=self.guard)
            except _Own as own:
                raise own.exc from None
            except GuardError:
                raise  # a connection to another database was refused: stop (exit 2)
            except Exception as exc:  # noqa: BLE001 - the user's env.py or migration failed
                if not self._recover(exc):
                    break
                continue
            if not self.queue:
                break
            # env.py returned without consuming all our steps (it ran nothing, or ran offline)
            for rev in self.queue:
                self.result.untested.setdefault(rev, "env.py returned before running this revision")
            break

    def cancel_running(self) -> None:
        """Cancel every statement running in the sandbox database (from another thread)."""
        if self.url is not None:
            cancel_statements(self.url, self.sandbox.dialect)

    # ------------------------------------------------------------------ one env.py run
    def _session(self, heads, mctx):
        """Alembic's work function: a generator of MigrationSteps, consumed one at a time."""
        self.current = None
        try:
            conn = mctx.connection
            self.foreign = conn is not self.conn
            if self.foreign and self.mode == "transaction":
                # env.py ignores config.attributes["connection"] and connects by URL itself:
                # Alembic manages the transactions, so savepoints are not ours to take.
                self.mode = "fresh"
                self._rollback()
            set_timeouts(conn, self.step_timeout)
            if self.tracer is not None:
                self.tracer.session(conn, self.url)
            catchup = catchup_targets(self.project.graph, self.applied, heads)
        except Exception as exc:  # noqa: BLE001
            raise _Own(exc) from exc
        if catchup:
            self._at("", "catchup")
            yield from self._planned(self.plan.wrap(self.env.steps_to(catchup, tuple(heads)), conn))
        if self.phase == UPGRADE or self.before is None:
            self.before = self._snap(conn)
        while self.queue:
            rev = self.queue[0]
            if rev in self.result.untested:
                self.queue.pop(0)
                continue
            if self.phase == UPGRADE:
                if self.progress:
                    self._say(f"[{len(self.segment) - len(self.queue) + 1}/{len(self.segment)}] {rev}")
                data = self.with_data and rev not in self.no_data
                if data:
                    self._seed(conn)
                self._insert(conn, rev, "before")
                step = self.env.up(rev)
                if rev in self.plan.skip:
                    stamp(step)
                self._at(rev, UPGRADE)
                traced = self.tracer is not None and rev not in self.plan.skip
                if traced:
                    self._own(self.tracer.begin, conn, rev, lambda: self._commit(mctx))
                t0 = time.perf_counter()
                yield step
                if traced:
                    self.tracer.end(rev)
                if rev not in self.plan.skip:  # a stamped revision ran nothing: no step to report
                    self._record(rev, UPGRADE, t0, with_data=data)
                self.applied.add(rev)
                self._insert(conn, rev, "at")
                self.after_up = self._snap(conn)
                if rev in self.result.irreversible or rev in self.result.by_config:
                    self._finish(rev)
                    self.before = self.after_up
                    continue
                self.phase = DOWNGRADE
            if self.phase == DOWNGRADE:
                self._at(rev, DOWNGRADE)
                t0 = time.perf_counter()
                yield self.env.down(rev)
                seconds = time.perf_counter() - t0
                self.applied.discard(rev)
                trace = schema_snapshot.diff(self.before, self._snap(conn))
                self.result.steps.append(StepResult(rev, DOWNGRADE, True, seconds, diff=trace))
                self.trace = bool(trace)
                self.phase = REUPGRADE
            if self.phase == REUPGRADE:
                self._at(rev, REUPGRADE)
                t0 = time.perf_counter()
                yield self.env.up(rev)
                self._record(rev, REUPGRADE, t0)
                self.applied.add(rev)
                self._insert(conn, rev, "at", only_empty=True)  # rows the downgrade took with it
                # a downgrade that left no trace makes the re-upgrade reproduce `after_up` exactly
                self.before = self.after_up if not self.trace and self.after_up is not None else self._snap(conn)
            self._finish(rev)
        self.current = None
        if self.want_drift:
            self._drift(mctx)

    def _at(self, rev: str, phase: str) -> None:
        self.current = (rev, phase)
        if self.on_step is not None:
            self.on_step(rev, phase)

    def _say(self, message: str) -> None:
        with contextlib.redirect_stderr(self.env.real_stderr or sys.__stderr__):
            self.progress(message)

    def _finish(self, rev: str) -> None:
        self.queue.pop(0)
        self.phase = UPGRADE
        self.gc.tick()

    def _record(self, rev: str, phase: str, t0: float, with_data: bool = False) -> None:
        self.result.steps.append(StepResult(rev, phase, True, time.perf_counter() - t0, with_data=with_data))

    def _commit(self, mctx) -> None:
        """End the transaction the walk is in and begin a new one (before a traced upgrade)."""
        if self.outer is not None and self.outer.is_active and mctx.connection is self.conn:
            self.outer.commit()
            self.outer = self.conn.begin()
        else:
            commit_between_steps(mctx)
        self.committed = True

    def _own(self, fn, *args):
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - our code between steps, not the migration
            raise _Own(exc) from exc

    def _snap(self, conn) -> schema_snapshot.Snapshot:
        try:
            return schema_snapshot.take(conn)
        except Exception as exc:  # noqa: BLE001
            raise _Own(exc) from exc

    def _seed(self, conn) -> None:
        try:
            if self.seeder is None:
                self.seeder = Seeder()
            self.seeder.seed(conn)
        except Exception as exc:  # noqa: BLE001
            raise _Own(exc) from exc

    def _plan(self, project, known, dialect) -> WalkPlan:
        """The project's round-trip configuration (setup-sql, revision data, floor, skips)."""
        plan = WalkPlan.build(project.settings, project.graph, known, dialect)
        for rev in self.segment:
            reason = plan.reason(rev)
            if reason:
                self.result.by_config[rev] = reason
                self.result.irreversible.pop(rev, None)  # the configured floor says it already
        return plan

    def _insert(self, conn, rev: str, when: str, only_empty: bool = False) -> None:
        try:
            self.plan.insert(conn, rev, when, only_empty=only_empty)
        except Exception as exc:  # noqa: BLE001 - the configuration, not the migration
            raise _Own(exc) from exc

    def _planned(self, steps):
        try:
            yield from steps
        except _Own:
            raise
        except Exception as exc:  # noqa: BLE001 - raised by the plan's inserts, not by a migration
            raise _Own(exc) from exc

    # ------------------------------------------------------------------ failures
    def _recover(self, exc: BaseException) -> bool:
        """Record a failure and put the sandbox back in a known state. False: stop walking."""
        error, statement, line, timeout = describe_error(exc, self.files)
        current = self.current
        if current is None:
            seconds = 0.0
            self.result.steps.append(StepResult("", ENV, False, seconds, error=error, statement=statement, line=line, timeout=timeout,
                                                hint=self.env.failure_hint(exc, self.url)))
            for rev in self.queue:
                self.result.untested.setdefault(rev, "env.py failed before this revision ran")
            self.result.drift_note = "env.py failed, so the schema at head could not be built"
            return False
        rev, phase = current
        no_tx = (isinstance(exc, AssertionError) and not own_code_raised(exc, self.files, str(self.project.layout.root.resolve()))) or any(
            m in error.lower() for m in OUTSIDE_TX_ERRORS)
        if self.tracer is not None and phase == UPGRADE:
            self.tracer.end(rev, complete=False)
        if self.mode == "transaction" and no_tx:
            # needs Alembic's own transactions: undo everything (one rollback, or a new database
            # once the trace committed), then let the next env.py run upgrade straight back to
            # `applied` and retry the same step in fresh mode
            self.mode = "fresh"
            if self.committed:
                self._rebuild()
            else:
                self._rollback()
            what = f"`{rev}`" if rev else "a revision before this shard"
            self.result.warnings.append(
                f"{what} cannot run inside a transaction: the walk continued with Alembic's own transactions"
            )
            return True
        if phase == "catchup":
            for r in self.queue:
                self.result.untested.setdefault(r, f"the sandbox could not be upgraded to the state before it: {error}")
            return False
        data = phase == UPGRADE and self.with_data and rev not in self.no_data
        if phase == DOWNGRADE and "NotImplementedError" in error.split(":", 1)[0]:
            self.result.irreversible.setdefault(rev, "runtime")
        else:
            self.result.steps.append(StepResult(rev, phase, False, 0.0, error=error, statement=statement, line=line,
                                                timeout=timeout, with_data=data))
        if phase == UPGRADE:
            if data:
                self.no_data.add(rev)  # retry the same upgrade on empty tables: tells AG306 from AG301
            else:
                self.queue.pop(0)
                for d in self.project.graph.descendants(rev):
                    if d in self.segment:
                        self.result.untested.setdefault(d, f"depends on `{rev}`, whose upgrade fails")
            self.phase = UPGRADE
            self.applied.discard(rev)
        else:
            # downgrade or re-upgrade failed: carry on from "after the upgrade of rev"
            self.applied.add(rev)
            self._finish(rev)
        if self.mode == "transaction" and not self.committed:
            # one rollback empties the sandbox; the next env.py run upgrades straight back to
            # `applied` (cheaper overall than a savepoint around every step of a passing walk)
            self._rollback()
            self._begin()
        else:
            self._rebuild()
        return True

    # ------------------------------------------------------------------ drift at head
    def _drift(self, mctx) -> None:
        from alembic_guard.sandbox.drift import at_head  # start-up cost: imports Alembic's autogenerate

        self.result.drift, self.result.drift_note = at_head(
            mctx, order=self.order, applied=self.applied, skip=self.plan.skip, files=self.files, root=self.project.root)


def run_roundtrip(project, sandbox, *, isolate: bool = True, **options) -> RoundTripResult:
    """Round-trip `project` in `sandbox` (anything with create_database/drop_database/dialect).

    `isolate` (default): env.py and the migrations run in a forked child (sandbox/child.py), so a
    migration that ends its process is a finding (AG309) and this process always drops the
    databases; without fork (Windows) they run here.

    The first database is created in a thread while Alembic loads the revision files: on a server
    CREATE DATABASE costs 0.1-0.3 s, about as long as importing Alembic (alembic_runner imports
    it lazily, for this) and a hundred revisions."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="ag-createdb") as pool:
        pending = pool.submit(sandbox.create_database, ROUNDTRIP_PREFIX)
        try:
            walker = Walker(project, sandbox, **options)
        except BaseException:
            try:
                sandbox.drop_database(pending.result())
            except Exception:  # noqa: BLE001 - the sandbox's close() drops it anyway
                pass
            raise
        url = pending.result()
    if isolate and child.available():
        return child.run_in_child(walker, sandbox, url)
    return walker.run(url)
