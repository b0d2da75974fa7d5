"""Hand-written migration tests, one step at a time, in a throwaway database (`alembic_guard_runner`).

The pytest plugin's `alembic_guard_runner` fixture gives each test a fresh sandbox database
(dropped afterwards) and this object, which runs the project's own env.py to move the database
along the history, like pytest-alembic's `alembic_runner`:

    def test_backfill_sets_the_default_plan(alembic_guard_runner):
        runner = alembic_guard_runner
        runner.migrate_up_before("5b1d0c3e8a21")
        runner.insert_into("plan", [{"id": 1, "name": "free"}])
        runner.migrate_up_one()
        assert runner.rows("account") == [{"id": 1, "plan_id": 1}]

Upgrades go one revision at a time through the same configuration as the round trip
(`[tool.alembic-guard]`: `setup-sql` runs when the database is created, the rows of
`before-revision-data` / `at-revision-data` go in around their revision, `skip-revisions` are
stamped). A failing migration raises its own exception, so the test fails with the migration's
traceback. The database is the sandbox's, never `sqlalchemy.url`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from alembic_guard.sandbox.alembic_runner import AlembicEnv
from alembic_guard.sandbox.walk_plan import WalkPlan, stamp

HEAD, BASE = "head", "base"


class MigrationSteps:
    """A sandbox database and the project's env.py, moved along the history on request."""

    def __init__(self, project, url: str, *, env: AlembicEnv | None = None):
        self.project = project
        self.url = url
        self.env = env or AlembicEnv.load(project)
        known = set(self.env.script.revision_map._revision_map)  # noqa: SLF001 - the ids Alembic knows
        self.order = tuple(r for r in project.graph.upgrade_order() if r in known)
        self.plan = WalkPlan.build(project.settings, project.graph, known, sa.engine.make_url(url).get_backend_name())
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.connection = self.engine.connect()
        self.plan.run_setup(self.connection)

    @classmethod
    @contextlib.contextmanager
    def open(cls, project, sandbox) -> Iterator["MigrationSteps"]:
        """A fresh database of `sandbox` for the block; closed and dropped afterwards."""
        url = sandbox.create_database()
        steps = None
        try:
            steps = cls(project, url)
            yield steps
        finally:
            if steps is not None:
                steps.close()
            sandbox.drop_database(url)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.rollback()
        self.connection.close()
        self.engine.dispose()

    # ------------------------------------------------------------------ where the database is
    @property
    def heads(self) -> tuple[str, ...]:
        """The project's head revisions."""
        return tuple(sorted(self.env.script.get_heads()))

    @property
    def current(self) -> tuple[str, ...]:
        """The revisions the database is at (Alembic's version table); () at base."""
        from alembic.runtime.migration import MigrationContext

        try:
            return tuple(sorted(MigrationContext.configure(self.connection).get_current_heads()))
        finally:
            self._idle()

    def _applied(self) -> set[str]:
        out: set[str] = set()
        for head in self.current:
            out |= {head} | set(self.project.graph.ancestors(head))
        return out

    def _resolve(self, revision: str) -> str:
        if revision in (HEAD, "heads"):
            heads = self.heads
            if len(heads) != 1:
                raise ValueError(f"the project has {len(heads)} heads ({', '.join(heads)}): name the revision")
            return heads[0]
        return self.env.script.get_revision(revision).revision

    # ------------------------------------------------------------------ moving
    def migrate_up_to(self, revision: str = HEAD) -> tuple[str, ...]:
        """Upgrade, one revision at a time, until `revision` (default: the single head) is applied."""
        target = self._resolve(revision)
        wanted = {target} | set(self.project.graph.ancestors(target))
        applied = self._applied()
        return self._up([r for r in self.order if r in wanted and r not in applied])

    def migrate_up_before(self, revision: str) -> tuple[str, ...]:
        """Upgrade to the parents of `revision`, not `revision` itself."""
        target = self._resolve(revision)
        wanted = set(self.project.graph.ancestors(target))
        applied = self._applied()
        return self._up([r for r in self.order if r in wanted and r not in applied])

    def migrate_up_one(self) -> tuple[str, ...]:
        """Upgrade the next revision (in upgrade order) whose parents are all applied."""
        applied = self._applied()
        graph = self.project.graph
        for rev in self.order:
            if rev not in applied and graph.ancestors(rev) <= applied:
                return self._up([rev])
        raise ValueError("the database is at head: there is no revision to upgrade")

    def migrate_down_one(self) -> tuple[str, ...]:
        """Downgrade the most recently applied revision (the last current head in upgrade order)."""
        current = set(self.current)
        if not current:
            raise ValueError("the database is at base: there is no revision to downgrade")
        last = max(current, key=self.order.index)
        return self._down([last])

    def migrate_down_to(self, revision: str = BASE) -> tuple[str, ...]:
        """Downgrade until only `revision` and its ancestors are applied (`base`: everything)."""
        keep: set[str] = set()
        if revision != BASE:
            target = self._resolve(revision)
            keep = {target} | set(self.project.graph.ancestors(target))
        applied = self._applied()
        return self._down([r for r in reversed(self.order) if r in applied and r not in keep])

    def migrate_down_before(self, revision: str) -> tuple[str, ...]:
        """Downgrade `revision` and everything after it."""
        target = self._resolve(revision)
        drop = {target} | set(self.project.graph.descendants(target))
        applied = self._applied()
        return self._down([r for r in reversed(self.order) if r in applied and r in drop])

    def roundtrip_next_revision(self) -> tuple[str, ...]:
        """Upgrade the next revision, downgrade it, upgrade it again."""
        self.migrate_up_one()
        self.migrate_down_one()
        return self.migrate_up_one()

    def _up(self, revisions: Sequence[str]) -> tuple[str, ...]:
        def steps(heads, mctx):
            ups = []
            for rev in revisions:
                step = self.env.up(rev)
                if rev in self.plan.skip:
                    stamp(step)
                ups.append(step)
            return self.plan.wrap(ups, mctx.connection)

        return self._run(steps)

    def _down(self, revisions: Sequence[str]) -> tuple[str, ...]:
        def steps(heads, mctx):
            for rev in revisions:
                step = self.env.down(rev)
                if rev in self.plan.skip:
                    stamp(step)
                yield step

        return self._run(steps)

    def _run(self, fn) -> tuple[str, ...]:
        self._idle()
        try:
            self.env.run(self.url, fn, connection=self.connection)
        finally:
            self._idle()
        return self.current

    def _idle(self) -> None:
        """Commit what our own connection did, so env.py starts (and ends) outside a transaction."""
        if self.connection.in_transaction():
            try:
                self.connection.commit()
            except Exception:
                self.connection.rollback()
                raise

    # ------------------------------------------------------------------ data
    def table(self, name: str, schema: str | None = None) -> sa.Table:
        """`name` reflected from the database as it is now."""
        try:
            return sa.Table(name, sa.MetaData(), schema=schema, autoload_with=self.connection)
        finally:
            self._idle()

    def insert_into(self, table: str | None, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]], schema: str | None = None) -> int:
        """Insert one row or a list of rows into `table` (as its columns are now); rows inserted.

        `table=None`: each row names its table in `__tablename__` (pytest-alembic's form)."""
        rows = [rows] if isinstance(rows, Mapping) else list(rows)
        if not rows:
            return 0
        if table is None:
            if not all(isinstance(r.get("__tablename__"), str) for r in rows):
                raise ValueError("insert_into(None, rows): every row needs a __tablename__")
            done = 0
            for row in rows:  # one at a time keeps their order (parents before children)
                values = {k: v for k, v in row.items() if k != "__tablename__"}
                done += self.insert_into(row["__tablename__"], values, schema)
            return done
        t = self.table(table, schema)
        try:
            self.connection.execute(t.insert(), [dict(r) for r in rows])
            self._idle()
        except Exception:
            self.connection.rollback()
            raise
        return len(rows)

    def rows(self, table: str, schema: str | None = None, *, order_by: str | Sequence[str] | None = None) -> list[dict]:
        """Every row of `table` as dicts, ordered by `order_by` (default: the primary key)."""
        t = self.table(table, schema)
        keys = [order_by] if isinstance(order_by, str) else list(order_by or [c.name for c in t.primary_key.columns])
        query = sa.select(t).order_by(*[t.c[k] for k in keys])
        return self.select(query)

    def select(self, query, **params) -> list[dict]:
        """Rows of a SELECT (SQL text with `:name` parameters, or a SQLAlchemy select) as dicts."""
        stmt = sa.text(query) if isinstance(query, str) else query
        try:
            return [dict(r) for r in self.connection.execute(stmt, params).mappings()]
        finally:
            self._idle()

    def execute(self, sql: str, **params) -> None:
        """Run one SQL statement (`:name` parameters) and commit it."""
        try:
            self.connection.execute(sa.text(sql), params)
            self._idle()
        except Exception:
            self.connection.rollback()
            raise
