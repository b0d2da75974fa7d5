"""What pytest-alembic users write by hand, as declarative round-trip configuration.

Five keys of `[tool.alembic-guard]` shape the walk (and the `alembic_guard_runner` step API):

```toml
[tool.alembic-guard]
setup-sql = ["CREATE EXTENSION IF NOT EXISTS citext", "CREATE SCHEMA IF NOT EXISTS billing"]
minimum-downgrade-revision = "3f2a91c0d7e4"   # it and its ancestors are never downgraded
skip-revisions = ["9c0e11aa5b70"]             # stamped, not run (a slow backfill)

[tool.alembic-guard.before-revision-data]      # rows inserted just before the revision's upgrade
"5b1d0c3e8a21" = [{ __tablename__ = "plan", id = 1, name = "free" }]

[tool.alembic-guard.at-revision-data.5b1d0c3e8a21]  # rows inserted right after it, table = rows
subscription = [{ id = 1, plan_id = 1 }]
```

Everything here is data: SQL strings and rows, never Python to import. The analysed repository's
pyproject.toml may set these keys (it cannot turn on code execution; see settings.py): the SQL
runs only in a sandbox database alembic-guard created, during a round trip asked for on the
command line.

Values are checked when the settings are read (a malformed value: exit 2 naming the key) and the
revision ids when the round trip starts (an unknown or ambiguous id: exit 2 naming the key; a
unique prefix is accepted, as Alembic accepts one). A row the database rejects, or SQL that fails,
stops the run with exit 2 naming the key, the revision and the database error: the configuration
does not fit the schema, which says nothing about the migrations.
"""

from __future__ import annotations

import ast

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from alembic_guard.errors import SettingsError
from alembic_guard.masking import mask_secrets
from alembic_guard.settings import SECTION, find_pyproject
from alembic_guard.core.walk_settings import ALL_DIALECTS, DATA_KEYS, SeedRows  # noqa: F401  (SeedRows: re-exported)


# ------------------------------------------------------------------------------ the plan of a walk
@dataclass
class WalkPlan:
    """The configuration resolved against one project's revisions (full ids)."""

    before: dict[str, tuple[SeedRows, ...]] = field(default_factory=dict)
    at: dict[str, tuple[SeedRows, ...]] = field(default_factory=dict)
    floor: frozenset[str] = frozenset()  # never downgraded (minimum-downgrade-revision and its ancestors)
    floor_revision: str | None = None
    skip: frozenset[str] = frozenset()  # stamped, never run
    setup_sql: tuple[str, ...] = ()
    source: str = "[tool.alembic-guard]"

    @property
    def empty(self) -> bool:
        return not (self.before or self.at or self.floor or self.skip or self.setup_sql)

    @classmethod
    def build(cls, settings, graph, known: Iterable[str], dialect: str) -> "WalkPlan":
        """Resolve the settings' revision ids against `known` (Alembic's revision map)."""
        known = tuple(k for k in known if isinstance(k, str))  # Alembic's map also holds None (base)
        source = _source(settings)
        resolve = lambda key, rev: _resolve(rev, known, key, source)  # noqa: E731
        plan = cls(source=source)
        for key in DATA_KEYS:
            data = getattr(settings, key, None) or {}
            target = plan.before if key == "before_revision_data" else plan.at
            for rev, groups in data.items():
                full = resolve(f"{key.replace('_', '-')}.{rev}", rev)
                target[full] = target.get(full, ()) + tuple(groups)
        floor = getattr(settings, "minimum_downgrade_revision", None)
        if floor:
            plan.floor_revision = resolve("minimum-downgrade-revision", floor)
            plan.floor = frozenset({plan.floor_revision} | set(graph.ancestors(plan.floor_revision)))
        plan.skip = frozenset(resolve("skip-revisions", r) for r in (getattr(settings, "skip_revisions", None) or ()))
        sql = getattr(settings, "setup_sql", None) or {}
        plan.setup_sql = tuple(sql.get(ALL_DIALECTS, ())) + tuple(sql.get(dialect, ()))
        return plan

    def reason(self, revision: str) -> str | None:
        """Why the configuration keeps `revision` from its full round trip (None: it does not)."""
        if revision in self.skip:
            return "skipped (skip-revisions): stamped, its upgrade and downgrade never ran"
        if revision in self.floor:
            return f"not downgraded (minimum-downgrade-revision = {self.floor_revision!r})"
        return None

    # -------------------------------------------------------------- actions in the sandbox
    def run_setup(self, conn) -> None:
        """setup-sql in a new sandbox database, committed before the walk starts."""
        if not self.setup_sql:
            return
        for i, stmt in enumerate(self.setup_sql, 1):
            try:
                conn.exec_driver_sql(stmt)
            except Exception as exc:  # noqa: BLE001 - the user's SQL: a clear message, exit 2
                _quiet_rollback(conn)
                raise SettingsError(
                    f"setting 'setup-sql' in {self.source}: statement {i} failed in the sandbox database: {_db_error(exc)}",
                    key="setup-sql", source=self.source,
                    hint=f"the statement was: {' '.join(stmt.split())[:200]}",
                ) from None
        conn.commit()

    def insert(self, conn, revision: str, when: str, *, only_empty: bool = False) -> int:
        """Insert the rows configured `when` ("before" | "at") `revision`; rows inserted.

        `only_empty`: only into tables that hold no row (after a re-upgrade, to put back rows
        the downgrade took with it)."""
        import sqlalchemy as sa  # the settings import this module; SQLAlchemy only when rows go in

        groups = (self.before if when == "before" else self.at).get(revision, ())
        done = 0
        for group in groups:
            key = f"{'before' if when == 'before' else 'at'}-revision-data.{revision}"
            schema, name = group.schema_and_name
            try:
                table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=conn)
                unknown = sorted({col for row in group.rows for col in row} - set(table.c.keys()))
                if unknown:
                    raise _NoSuchColumn(f"no column {', '.join(map(repr, unknown))} (its columns there: {', '.join(table.c.keys())})")
                if only_empty and conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                    continue
                conn.execute(table.insert(), [dict(r) for r in group.rows])
                done += len(group.rows)
            except Exception as exc:  # noqa: BLE001 - the configuration does not fit the schema
                where = "before it is upgraded" if when == "before" else "after it is upgraded"
                raise SettingsError(
                    f"setting {key!r} in {self.source}: cannot insert into {group.table!r} {where}: {_db_error(exc)}",
                    key=key, source=self.source,
                    hint="the rows are inserted against the schema at that point of the history; "
                         "check the table and column names there (`alembic upgrade <revision> --sql` shows it)",
                ) from None
        return done

    def wrap(self, steps: Iterable, conn) -> Iterator:
        """Alembic upgrade steps with the configured rows around them and skipped revisions
        stamped, for straight upgrades (the walk's catch-up, the step API)."""
        for step in steps:
            rev = _up_revision(step)
            if rev is None:
                yield step
                continue
            self.insert(conn, rev, "before")
            if rev in self.skip:
                stamp(step)
            yield step
            self.insert(conn, rev, "at")


class _NoSuchColumn(Exception):
    """A configured row names a column the table does not have at that revision."""


def stamp(step) -> None:
    """Make an Alembic migration step move the version table only (what `alembic stamp` does)."""
    step.migration_fn = _stamp_only


def _stamp_only(**kw) -> None:
    return None


def _up_revision(step) -> str | None:
    if not getattr(step, "is_upgrade", False):
        return None
    revision = getattr(step, "revision", None)
    return getattr(revision, "revision", None)


def _resolve(rev: str, known: tuple[str, ...], key: str, source: str) -> str:
    rev = str(rev).strip()
    if rev in known:
        return rev
    matches = [k for k in known if k.startswith(rev)] if len(rev) >= 4 else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise SettingsError(f"setting {key!r} in {source}: revision {rev!r} is ambiguous ({', '.join(sorted(matches)[:5])})",
                            key=key, source=source, hint="give more characters of the revision id")
    close = difflib.get_close_matches(rev, known, n=1)
    raise SettingsError(
        f"setting {key!r} in {source}: no revision {rev!r} in this project",
        key=key, source=source,
        hint=f"did you mean {close[0]!r}?" if close else "run `alembic history` for the revision ids",
    )


def _source(settings) -> str:
    """Where the settings came from, for messages: `path/pyproject.toml: [tool.alembic-guard]`."""
    root = getattr(settings, "root", None)
    pyproject = find_pyproject(root) if root is not None and root.exists() else None
    return f"{pyproject}: {SECTION}" if pyproject else SECTION


def _db_error(exc: BaseException) -> str:
    if isinstance(exc, _NoSuchColumn):
        return str(exc)
    if type(exc).__name__ == "NoSuchTableError":
        return "no such table at that point of the history"
    orig = getattr(exc, "orig", None) or exc
    text = f"{type(orig).__name__}: {str(orig).strip()}"
    return mask_secrets(text.splitlines()[0] if text else type(orig).__name__)


def _quiet_rollback(conn) -> None:
    try:
        conn.rollback()
    except Exception:  # noqa: BLE001
        pass


# ---------------------------------------------------------------------------------- what to walk
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


def catchup_targets(graph, applied: set[str], heads) -> list[str]:
    """Revisions to upgrade to so that a database at `heads` holds exactly `applied`."""
    if not applied:
        return []
    tops = sorted(r for r in applied if not (graph.descendants(r) & applied))
    current = set(heads)
    return [t for t in tops if t not in current and not any(t in graph.ancestors(h) for h in current)]
