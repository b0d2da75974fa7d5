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
  straight back to where the walk was. Revisions that cannot run
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

import ast
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from alembic_guard.errors import GuardError
from alembic_guard.masking import mask_secrets
from alembic_guard.sandbox import child, schema_snapshot
from alembic_guard.sandbox.alembic_runner import AlembicEnv
from alembic_guard.sandbox.connection_guard import ConnectionGuard
from alembic_guard.sandbox.database import ROUNDTRIP_PREFIX
from alembic_guard.sandbox.drift import DriftItem, compare
from alembic_guard.sandbox.walk_plan import WalkPlan, stamp

UPGRADE, DOWNGRADE, REUPGRADE, ENV = "upgrade", "downgrade", "reupgrade", "env"
NO_TARGET_METADATA = "env.py passes no target_metadata to context.configure()"  # a choice, not a failure

_NO_TRANSACTION_RE = re.compile(
    r"autocommit_block|concurrently|\bvacuum\b|add\s+value|alter\s+system|create\s+database|drop\s+database"
    r"|execute\(\s*['\"]\s*commit",
    re.IGNORECASE,
)
_OUTSIDE_TX_ERRORS = ("cannot run inside a transaction block", "cannot be executed from a function or multi-command string")
_TIMEOUT_MARKERS = (
    "statement timeout", "lock timeout", "canceling statement due to",
    "max_statement_time", "lock wait timeout exceeded", "maximum statement execution time exceeded",
)


@dataclass(frozen=True)
class StepResult:
    revision: str
    phase: str  # upgrade | downgrade | reupgrade | env
    ok: bool
    seconds: float = 0.0
    error: str | None = None  # masked database / Python error
    statement: str | None = None  # the SQL that failed, when the database rejected one
    line: int | None = None  # line in the revision file (or env.py) where it failed
    timeout: bool = False
    with_data: bool = False
    diff: str | None = None  # downgrade: schema after it vs before the upgrade ("" = no trace)
    hint: str | None = None  # what to do, when the failure says more than "fix it" (env.py imports)

    def to_dict(self) -> dict:
        out = {"revision": self.revision, "phase": self.phase, "ok": self.ok, "seconds": round(self.seconds, 4)}
        if self.with_data:
            out["with_data"] = True
        if not self.ok:
            out.update(error=self.error, statement=self.statement, timeout=self.timeout)
        if self.diff:
            out["diff"] = self.diff
        if self.hint:
            out["hint"] = self.hint
        return out


@dataclass
class RoundTripResult:
    dialect: str
    sandbox_kind: str
    mode: str = "transaction"
    steps: list[StepResult] = field(default_factory=list)
    walked: tuple[str, ...] = ()  # the revisions this run round-tripped (its shard)
    irreversible: dict[str, str] = field(default_factory=dict)  # revision -> "static" | "runtime"
    untested: dict[str, str] = field(default_factory=dict)  # revision -> why not
    warnings: list[str] = field(default_factory=list)
    drift: list[DriftItem] | None = None  # None: not computed (see drift_note)
    drift_note: str | None = None
    shard: tuple[int, int] | None = None
    with_data: bool = False
    seconds: float = 0.0
    project: object = field(default=None, repr=False, compare=False)  # for the rules / checks
    seed_notes: dict[str, str] = field(default_factory=dict)  # --with-data: tables left empty, and why
    async_env: bool = False  # env.py runs through asyncio (it was given an async driver)
    sync_driver: str | None = None  # async env.py, but the project's own URL has this sync-only driver (AG308)
    configured_url: str | None = None  # that URL, masked
    by_config: dict[str, str] = field(default_factory=dict)  # revision -> what skip-revisions / minimum-downgrade-revision left out
    died: dict | None = None  # the process running the migrations ended: {revision, phase, how} (AG309)

    def failed(self, phase: str) -> list[StepResult]:
        return [s for s in self.steps if s.phase == phase and not s.ok]

    def step(self, revision: str, phase: str, *, with_data: bool | None = None) -> StepResult | None:
        for s in self.steps:
            if s.revision == revision and s.phase == phase and (with_data is None or s.with_data == with_data):
                return s
        return None

    def facts(self) -> dict:
        return {
            "dialect": self.dialect,
            "sandbox": self.sandbox_kind,
            "mode": self.mode,
            "shard": list(self.shard) if self.shard else None,
            "with_data": self.with_data,
            "revisions": list(self.walked),
            "seconds": round(self.seconds, 3),
            "steps": [s.to_dict() for s in self.steps],
            "irreversible": dict(self.irreversible),
            "untested": dict(self.untested),
            "warnings": list(self.warnings),
            **({"seed_notes": dict(self.seed_notes)} if self.with_data else {}),
            **({"async_env": True} if self.async_env else {}),
            **({"by_config": dict(self.by_config)} if self.by_config else {}),
            **({"died": dict(self.died)} if self.died else {}),
        }


class _Own(Exception):
    """An error in alembic-guard's own code between steps (not the user's migration)."""

    def __init__(self, exc: BaseException):
        super().__init__(str(exc))
        self.exc = exc


# ---------------------------------------------------------------------------------- helpers
def shard_segment(order: tuple[str, ...], shard: tuple[int, int] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(revisions before the segment, the segment) for shard K of N: N contiguous, near-equal parts.

    >>> shard_segment(tuple("abcdefg"), (2, 3))
    (('a', 'b', 'c'), ('d', 'e'))
    """
    if not shard:
        return (), order
    k, n = shard
    size, extra = divmod(len(order), n)
    start = (k - 1) * size + min(k - 1, extra)
    end = start + size + (1 if k <= extra else 0)
    return order[:start], order[start:end]


def statically_irreversible(migration) -> bool:
    """No `downgrade()`, or one whose body raises NotImplementedError at top level."""
    func = migration.functions.get("downgrade")
    if func is None:
        return True
    for stmt in func.body:
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            target = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def describe_error(exc: BaseException, files: dict[str, str]) -> tuple[str, str | None, int | None, bool]:
    """(masked error text, failing SQL, line in one of `files` (abs path -> revision), timeout?)"""
    statement = None
    if isinstance(exc, sa.exc.StatementError):
        statement = " ".join(str(exc.statement or "").split()) or None
        orig = exc.orig if exc.orig is not None else exc
        text = f"{type(orig).__name__}: {str(orig).strip()}"
    else:
        text = f"{type(exc).__name__}: {exc}".strip()
        frames = traceback.extract_tb(exc.__traceback__)
        if text.endswith(":") and frames and frames[-1].line:  # a bare `assert x == y`: show it
            text = f"{text} {frames[-1].line.strip()}"
    text = "\n".join(line for line in text.splitlines()[:8] if line.strip())
    line = None
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename in files:
            line = frame.lineno
            break
    low = text.lower()
    timeout = any(m in low for m in _TIMEOUT_MARKERS) or getattr(getattr(exc, "orig", None), "pgcode", None) in ("57014", "55P03")
    return mask_secrets(text), mask_secrets(statement) if statement else None, line, timeout


# ---------------------------------------------------------------------------------- the walk
class Walker:
    def __init__(self, project, sandbox, *, with_data: bool = False, step_timeout: float | None = None,
                 shard: tuple[int, int] | None = None, drift: bool = False,
                 progress: Callable[[str], None] | None = None, env: AlembicEnv | None = None):
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
        self.on_step: Callable[[str, str], None] | None = None  # told where the walk is (the parent, in a child)
        self.cancel_on_signal = True  # SIGINT/SIGTERM cancel the running statement (not in a child: it just ends)

    def _note_async_driver(self) -> None:
        """An async env.py: the project's own URL must name an async driver (AG308)."""
        from alembic_guard.sandbox.env_style import sync_driver_of

        self.result.async_env = self.env.is_async
        driver = sync_driver_of(self.env.configured_url) if self.env.is_async else None
        if driver:
            self.result.sync_driver = driver
            self.result.configured_url = mask_secrets(self.env.configured_url or "")

    # ------------------------------------------------------------------ database
    def _open(self, url: str | None = None) -> None:
        self.url = url or self.sandbox.create_database(ROUNDTRIP_PREFIX)
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
        """Cancel every statement running in the sandbox database (from another thread): a
        blocking query never returns to Python, so Ctrl-C / SIGTERM would wait for it."""
        url = self.url
        if url is None or self.sandbox.dialect not in ("postgresql", "mysql"):
            return
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                if self.sandbox.dialect == "postgresql":
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
            self._set_timeouts(conn)
            catchup = self._catchup_targets(heads)
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
                t0 = time.perf_counter()
                yield step
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
        import contextlib
        import sys

        with contextlib.redirect_stderr(self.env.real_stderr or sys.__stderr__):
            self.progress(message)

    def _finish(self, rev: str) -> None:
        self.queue.pop(0)
        self.phase = UPGRADE
        self.gc.tick()

    def _record(self, rev: str, phase: str, t0: float, with_data: bool = False) -> None:
        self.result.steps.append(StepResult(rev, phase, True, time.perf_counter() - t0, with_data=with_data))

    def _snap(self, conn) -> schema_snapshot.Snapshot:
        try:
            return schema_snapshot.take(conn)
        except Exception as exc:  # noqa: BLE001
            raise _Own(exc) from exc

    def _seed(self, conn) -> None:
        from alembic_guard.sandbox.seed import Seeder

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

    def _catchup_targets(self, heads) -> list[str]:
        """Revisions to upgrade to so the sandbox holds exactly `applied`."""
        if not self.applied:
            return []
        graph = self.project.graph
        tops = sorted(r for r in self.applied if not (graph.descendants(r) & self.applied))
        current = set(heads)
        return [t for t in tops if t not in current and not any(t in graph.ancestors(h) for h in current)]

    def _set_timeouts(self, conn) -> None:
        if not self.step_timeout:
            return
        ms = max(1, int(self.step_timeout * 1000))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET statement_timeout = {ms}")
            conn.exec_driver_sql(f"SET lock_timeout = {ms}")
        elif conn.dialect.name in ("mysql", "mariadb"):
            seconds = max(1, int(round(self.step_timeout)))
            conn.exec_driver_sql(f"SET SESSION lock_wait_timeout = {seconds}")
            try:
                conn.exec_driver_sql(f"SET SESSION max_statement_time = {self.step_timeout:.3f}")  # MariaDB
            except sa.exc.DBAPIError:
                conn.exec_driver_sql(f"SET SESSION max_execution_time = {ms}")  # MySQL (SELECTs only)

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
        no_tx = (isinstance(exc, AssertionError) and not self._own_code_raised(exc)) or any(
            m in error.lower() for m in _OUTSIDE_TX_ERRORS)
        if self.mode == "transaction" and no_tx:
            # needs Alembic's own transactions: undo everything (one rollback), then let the next
            # env.py run upgrade straight back to `applied` and retry the same step in fresh mode
            self._rollback()
            self.mode = "fresh"
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
        if self.mode == "transaction":
            # one rollback empties the sandbox; the next env.py run upgrades straight back to
            # `applied` (cheaper overall than a savepoint around every step of a passing walk)
            self._rollback()
            self._begin()
        else:
            self._rebuild()
        return True

    def _own_code_raised(self, exc: BaseException) -> bool:
        """The exception comes from the project's own code (an `assert` in upgrade(), a helper
        module), not from Alembic or SQLAlchemy: the migration failed, whatever the transaction."""
        frames = traceback.extract_tb(exc.__traceback__)
        if not frames:
            return False
        where = frames[-1].filename
        if where in self.files:
            return True
        root = str(self.project.layout.root.resolve())
        return where.startswith(root) and "site-packages" not in where

    # ------------------------------------------------------------------ drift at head
    def _drift(self, mctx) -> None:
        all_revs = set(self.order)
        if self.plan.skip:
            skipped = ", ".join(sorted(self.plan.skip)[:5])
            self.result.drift_note = f"skip-revisions stamped {skipped} without running it, so the schema at head is not what the migrations build"
            return
        if self.applied != all_revs:
            missing = sorted(all_revs - self.applied)
            self.result.drift_note = f"not every revision could be applied (missing: {', '.join(missing[:5])})"
            return
        metadata = mctx.opts.get("target_metadata")
        if metadata is None:
            self.result.drift_note = NO_TARGET_METADATA
            return
        try:
            self.result.drift = compare(mctx, metadata, self.project.root)
        except Exception as exc:  # noqa: BLE001 - env.py's own include_object / compare_type hooks run here
            error, _, _, _ = describe_error(exc, self.files)
            self.result.drift_note = f"Alembic's comparison failed at head: {error.splitlines()[0] if error else '?'}"


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

    def __init__(self, walker: Walker):
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
