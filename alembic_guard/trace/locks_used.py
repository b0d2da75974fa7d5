"""Which existing tables a revision locks, in what mode, and what work it does under each lock:
predicted from the statically read operations (`OpCall`s), or taken from a measured trace.

Both give `LockUse` values, the common currency of the gate's sizing (`trace.sizing`). A
prediction follows PostgreSQL's documentation for each Alembic operation (docs/locks.md); a
measurement is what the round trip's recorder saw. This module must not talk to a database, read
files or import Alembic: it maps values to values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alembic_guard.trace.model import RevisionTrace, rank

# The work a statement does while it holds its lock, cheapest first: it decides how long the lock
# is held. "instant" changes only the catalogue (it still queues behind other sessions' locks).
WORK = ("instant", "backfill", "scan", "index build", "rewrite")


@dataclass(frozen=True)
class LockUse:
    """One statement's lock on one table that existed before the revision."""

    table: str  # "orders", or "audit.orders"
    mode: str  # one of model.MODES
    work: str  # one of WORK
    line: int | None  # line of the revision file
    what: str  # the operation ("create_index ix_orders_user") or the statement's SQL, shortened
    source: str = "predicted"  # predicted (from the code) | measured (from a trace)
    seconds: float | None = None  # measured: the statement's duration in the traced database
    traced_rows: int | None = None  # measured: the table's rows in the traced database

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"table": self.table, "mode": self.mode, "work": self.work, "line": self.line,
                               "what": self.what, "source": self.source}
        if self.source == "measured":
            out["traced_seconds"] = round(self.seconds or 0.0, 5)
            out["traced_rows"] = self.traced_rows
        return out


def heavier(a: str, b: str) -> str:
    return a if WORK.index(a) >= WORK.index(b) else b


# ------------------------------------------------------------------------------- predicted
def _qualified(call, table: str | None) -> str | None:
    if not isinstance(table, str):
        return None
    schema = call.params.get("schema")
    return f"{schema}.{table}" if isinstance(schema, str) and schema else table


def _type_change_rewrites(call) -> bool:
    """False only when the old type is known and the change is binary-compatible (varchar
    widening, varchar -> text): PostgreSQL then changes the catalogue alone."""
    old, new = call.params.get("existing_type"), call.params.get("type_")
    old_name, new_name = getattr(old, "name", None), getattr(new, "name", None)
    if old_name in ("varchar", "text") and new_name in ("varchar", "text"):
        if new_name == "text" or getattr(new, "length", None) is None:
            return False
        return not (old_name == "varchar" and (getattr(old, "length", None) or 0) <= (new.length or 0))
    return True


def _predict_one(call) -> list[tuple[str | None, str, str]]:
    """(table, mode, work) for one operation; [] for operations that lock no existing table."""
    name, p, table = call.name, call.params, _qualified(call, call.table)
    concurrently = p.get("postgresql_concurrently") is True
    not_valid = p.get("postgresql_not_valid") is True
    if name in ("create_index", "reindex"):
        return [(table, "SHARE UPDATE EXCLUSIVE" if concurrently else "SHARE", "index build")]
    if name == "drop_index":
        return [(table, "SHARE UPDATE EXCLUSIVE" if concurrently else "ACCESS EXCLUSIVE", "instant")]
    if name == "add_column":
        col = call.column
        work = "instant"
        if col is not None:
            default = col.server_default
            if col.identity or col.computed_stored or (default is not None and default.volatile):
                work = "rewrite"
            elif col.unique or col.primary_key:
                work = "index build"
            elif col.foreign_key and not col.foreign_key_not_valid:
                work = "scan"
        return [(table, "ACCESS EXCLUSIVE", work)]
    if name == "alter_column":
        work = "instant"
        if p.get("type_") is not None and _type_change_rewrites(call):
            work = "rewrite"
        elif p.get("nullable") is False:
            work = "scan"
        return [(table, "ACCESS EXCLUSIVE", work)]
    if name == "create_foreign_key":
        referent = _qualified(call, p.get("referent_table")) if not p.get("referent_schema") else \
            f"{p['referent_schema']}.{p.get('referent_table')}"
        work = "instant" if not_valid else "scan"
        return [(table, "SHARE ROW EXCLUSIVE", work), (referent, "SHARE ROW EXCLUSIVE", "instant")]
    if name == "create_check_constraint":
        return [(table, "ACCESS EXCLUSIVE", "instant" if not_valid else "scan")]
    if name in ("create_unique_constraint", "create_primary_key", "create_exclude_constraint"):
        return [(table, "ACCESS EXCLUSIVE", "index build")]
    if name == "validate_constraint":
        return [(table, "SHARE UPDATE EXCLUSIVE", "scan")]
    if name in ("drop_column", "drop_constraint", "rename_table", "drop_table", "truncate",
                "create_table_comment", "drop_table_comment"):
        return [(table, "ACCESS EXCLUSIVE", "instant")]
    if name in ("update", "delete"):
        return [(table, "ROW EXCLUSIVE", "backfill")]
    if name in ("insert", "bulk_insert"):
        return [(table if name == "insert" else _qualified(call, _bulk_table(call)), "ROW EXCLUSIVE", "backfill")]
    return []


def _bulk_table(call) -> str | None:
    value = call.params.get("table")
    return value if isinstance(value, str) else None


def predicted(calls: Iterable) -> list[LockUse]:
    """The locks the upgrade's operations take on tables that existed before it (tables the same
    revision creates are new and empty: nobody waits on them)."""
    created: set[str] = set()
    out: list[LockUse] = []
    for call in calls:
        if call.phase != "upgrade":
            continue
        if call.name == "create_table":
            name = _qualified(call, call.table)
            if name:
                created.add(name)
            continue
        label = f"{call.name} {call.name_arg}" if call.name_arg else call.name
        for table, mode, work in _predict_one(call):
            if table and table not in created:
                out.append(LockUse(table, mode, work, call.line, label))
        if call.name == "rename_table" and isinstance(call.params.get("new_table_name"), str):
            created.discard(_qualified(call, call.table))
    return out


# ------------------------------------------------------------------------------- measured
def measured(trace: RevisionTrace) -> list[LockUse]:
    """The locks the traced upgrade took on existing tables (indexes are counted with their table),
    with the work each statement did on them: a changed relfilenode is a rewrite, a sequential
    scan a scan, a new index on the table an index build."""
    out: list[LockUse] = []
    for stmt in trace.statements:
        built_on = {lock.table for lock in stmt.locks if lock.kind == "index" and not lock.existed and lock.table}
        strongest: dict[str, str] = {}
        for lock in stmt.locks:
            if not lock.existed or lock.kind not in ("table", "partitioned table", "materialized view"):
                continue
            if rank(lock.mode) > rank(strongest.get(lock.relation, "")):
                strongest[lock.relation] = lock.mode
        for table, mode in strongest.items():
            if table in stmt.rewrites:
                work = "rewrite"
            elif table in built_on:
                work = "index build"
            elif table in stmt.scans:
                work = "scan"
            elif mode == "ROW EXCLUSIVE":
                work = "backfill"
            else:
                work = "instant"
            out.append(LockUse(table, mode, work, stmt.line, " ".join(stmt.sql.split())[:80], "measured",
                               seconds=stmt.seconds, traced_rows=trace.rows.get(table)))
    return out


def strongest_per_table(uses: Iterable[LockUse]) -> dict[str, LockUse]:
    """table -> its strongest lock (ties: the heavier work), in first-seen order."""
    out: dict[str, LockUse] = {}
    for use in uses:
        held = out.get(use.table)
        if held is None or rank(use.mode) > rank(held.mode) or (
                use.mode == held.mode and WORK.index(use.work) > WORK.index(held.work)):
            out[use.table] = use
    return out


def unsized(calls: Iterable) -> list[str]:
    """Why some of the upgrade's work cannot be predicted: operations whose table is computed at
    run time, SQL the reader could not parse, revisions it could not read."""
    out = []
    for call in calls:
        if call.phase != "upgrade":
            continue
        if call.name in ("unanalysed_sql", "unresolved"):
            where = f"line {call.line}" if call.line else "the revision"
            out.append(f"{where}: {call.name.replace('_', ' ')} (not predicted: a trace shows it)")
        elif any(table is None for table, _, _ in _predict_one(call)):
            out.append(f"line {call.line}: {call.name} on a table computed at run time (not predicted)")
    return out
