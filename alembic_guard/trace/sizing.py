"""Production sizing for the gate: how big are the tables the pending revisions lock, how long will
they hold each lock, and does a size policy forbid the deploy.

`read_sizes` reads `reltuples`, `relpages`, `pg_total_relation_size` and `pg_indexes_size` from
PostgreSQL's catalogue on a connection the caller opened read-only (the gate's); it issues
nothing else. Everything else here is pure: `size_revision` joins the locks a revision takes
(`trace.locks_used`: measured from a trace when there is one, else predicted from the code) with
those sizes and a rough duration class, and `Limit` is the `--block-write-lock-over` policy. This
module must not write to a database, run the project's code or print.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alembic_guard.errors import GuardError
from alembic_guard.trace.locks_used import LockUse, strongest_per_table
from alembic_guard.trace.model import blocks, blocks_text, blocks_writes

# Rough throughput of each kind of work on a production server, in bytes per second of the
# table's heap (a rewrite: of the heap and its indexes, which are rebuilt). Deliberately modest;
# only the order of magnitude (seconds / minutes / hours) is reported.
RATES = {"scan": 200e6, "backfill": 20e6, "index build": 40e6, "rewrite": 30e6}
PAGE = 8192  # PostgreSQL's default block size
# Below this many rows a statement's time is mostly fixed cost: scaling it would overstate.
MIN_TRACED_ROWS = 1000


# ------------------------------------------------------------------------------ catalogue
@dataclass(frozen=True)
class TableSize:
    """A table as production's catalogue describes it (`found=False`: no such table there)."""

    relation: str
    found: bool = True
    rows: int | None = None  # pg_class.reltuples; None: never analysed or vacuumed (-1)
    pages: int = 0  # pg_class.relpages
    total_bytes: int = 0  # pg_total_relation_size: heap, TOAST and indexes
    index_bytes: int = 0  # pg_indexes_size

    @property
    def heap_bytes(self) -> int:
        return max(self.pages * PAGE, self.total_bytes - self.index_bytes)

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "found": self.found, "rows": self.rows, "pages": self.pages,
                "total_bytes": self.total_bytes, "index_bytes": self.index_bytes}

    def text(self) -> str:
        if not self.found:
            return "not in this database (created by an earlier pending revision, or another schema)"
        rows = f"{self.rows:,} rows" if self.rows is not None else "rows unknown (never analysed)"
        return f"{rows}, {megabytes(self.total_bytes)} (indexes {megabytes(self.index_bytes)})"


def megabytes(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 10e9 else f"{n / 1e6:.1f} MB"


_SIZE_QUERY = (
    "SELECT c.reltuples, c.relpages, pg_total_relation_size(c.oid), pg_indexes_size(c.oid) "
    "FROM pg_class c WHERE c.oid = to_regclass(%(name)s)"
)


def _regclass_text(relation: str) -> str:
    """'audit.orders' -> '"audit"."orders"' (to_regclass parses its argument as SQL would)."""
    parts = relation.split(".", 1) if "." in relation else [relation]
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def read_sizes(conn, relations: Iterable[str]) -> dict[str, TableSize]:
    """Catalogue sizes of `relations` (names as `schema.table` or resolved by the search path),
    read with plain SELECTs on `conn` (a read-only connection the caller owns)."""
    out: dict[str, TableSize] = {}
    for relation in dict.fromkeys(relations):
        row = conn.exec_driver_sql(_SIZE_QUERY, {"name": _regclass_text(relation)}).one_or_none()
        if row is None:
            out[relation] = TableSize(relation, found=False)
            continue
        reltuples, pages, total, indexes = row
        rows = int(reltuples) if reltuples is not None and reltuples >= 0 else None
        if rows == 0 and pages > 0:
            rows = None  # before PostgreSQL 14 a never-analysed table shows 0 with pages on disk
        out[relation] = TableSize(relation, True, rows, int(pages or 0), int(total or 0), int(indexes or 0))
    return out


# ------------------------------------------------------------------------------ estimates
def duration_class(seconds: float | None, work: str) -> str:
    """instant | seconds | minutes | hours (unknown when there is nothing to scale from)."""
    if work == "instant":
        return "instant"
    if seconds is None:
        return "unknown"
    return "seconds" if seconds < 60 else "minutes" if seconds < 3600 else "hours"


def estimate(use: LockUse, size: TableSize | None) -> tuple[float | None, str]:
    """(seconds at production size, how it was estimated) for the work done under one lock."""
    if use.work == "instant":
        return 0.0, "catalogue change only; it still waits behind every open transaction on the table"
    if size is None or not size.found:
        return None, "the table is not in this database: nothing to scale"
    if (use.source == "measured" and use.seconds is not None and (use.traced_rows or 0) >= MIN_TRACED_ROWS
            and size.rows is not None):
        scaled = use.seconds * size.rows / use.traced_rows
        return scaled, (f"measured {use.seconds:.3f} s for {use.traced_rows:,} rows in the trace, "
                        f"scaled to {size.rows:,} rows")
    work_bytes = size.total_bytes if use.work == "rewrite" else size.heap_bytes
    if use.source != "measured":
        why = "no trace"
    elif not use.traced_rows:
        why = "the traced table was empty"
    else:
        why = f"{use.traced_rows:,} traced rows are too few to scale from (--rows TABLE=N seeds more)"
    return work_bytes / RATES[use.work], f"estimate from the table's size, {why}"


@dataclass(frozen=True)
class TableLock:
    """One table a pending revision locks, with production's size and the expected duration."""

    use: LockUse
    size: TableSize | None
    seconds: float | None
    basis: str

    @property
    def duration(self) -> str:
        return duration_class(self.seconds, self.use.work)

    def to_dict(self) -> dict[str, Any]:
        return {**self.use.to_dict(), "blocks": list(blocks(self.use.mode)), "blocks_text": blocks_text(self.use.mode),
                "size": self.size.to_dict() if self.size else None, "duration": self.duration,
                "estimated_seconds": None if self.seconds is None else round(self.seconds, 3), "basis": self.basis}


@dataclass(frozen=True)
class RevisionSizing:
    revision: str
    source: str  # measured (a trace of this revision was given) | predicted
    tables: tuple[TableLock, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "source": self.source,
                "tables": [t.to_dict() for t in self.tables], "notes": list(self.notes)}


def size_revision(revision: str, uses: list[LockUse], sizes: Mapping[str, TableSize], *, source: str,
                  notes: Iterable[str] = ()) -> RevisionSizing:
    """Per table the revision locks: its strongest lock, the work of the heaviest statement on it
    (estimated at production size), and the sizes."""
    tables = []
    for table, strongest in strongest_per_table(uses).items():
        size = sizes.get(table)
        best: tuple[float | None, str] = (None, "")
        for use in (u for u in uses if u.table == table):
            seconds, basis = estimate(use, size)
            if best[1] == "" or (seconds is not None and (best[0] is None or seconds > best[0])):
                best = (seconds, basis)
                if use.work != "instant":
                    strongest = LockUse(table, strongest.mode, use.work, use.line, use.what, use.source,
                                        use.seconds, use.traced_rows)
        tables.append(TableLock(strongest, size, *best))
    return RevisionSizing(revision, source, tuple(tables), tuple(notes))


# ------------------------------------------------------------------------------ policy
_LIMIT = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kmgt]?b|[kmg])?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12}
_COUNTS = {"k": 1e3, "m": 1e6, "g": 1e9}


@dataclass(frozen=True)
class Limit:
    """`--block-write-lock-over`: a number of rows (1000000, 2M) or a size (500MB, 2GB)."""

    text: str
    rows: int | None = None
    bytes: int | None = None

    @classmethod
    def parse(cls, text: str) -> "Limit":
        match = _LIMIT.match(str(text))
        if not match:
            raise GuardError(f"--block-write-lock-over {text!r}: give a number of rows (1000000, 2M) or a size "
                             "(500MB, 2GB)")
        number = float(match.group(1).replace("_", "").replace(",", ""))
        unit = (match.group(2) or "").lower()
        if unit in _UNITS:
            return cls(str(text).strip(), bytes=int(number * _UNITS[unit]))
        return cls(str(text).strip(), rows=int(number * _COUNTS.get(unit, 1)))

    def exceeded_by(self, size: TableSize | None) -> str | None:
        """Why `size` is over the limit ('1,000,000 rows > 500,000'), or None."""
        if size is None or not size.found:
            return None
        if self.rows is not None and size.rows is not None and size.rows > self.rows:
            return f"{size.rows:,} rows > {self.rows:,}"
        if self.bytes is not None and size.total_bytes > self.bytes:
            return f"{megabytes(size.total_bytes)} > {megabytes(self.bytes)}"
        return None

    def violations(self, sizings: Iterable[RevisionSizing]) -> list[dict[str, Any]]:
        """Write-blocking locks (SHARE and stronger) on tables over the limit."""
        out = []
        for rs in sizings:
            for t in rs.tables:
                why = self.exceeded_by(t.size) if blocks_writes(t.use.mode) else None
                if why:
                    out.append({"revision": rs.revision, "table": t.use.table, "mode": t.use.mode, "why": why,
                                "line": t.use.line, "source": t.use.source,
                                "message": f"{rs.revision} takes {t.use.mode} on {t.use.table}, which "
                                           f"{blocks_text(t.use.mode)}: {why}"})
        return out


@dataclass
class Sizing:
    """The gate's sizing section: per pending revision, and the policy's verdict."""

    revisions: list[RevisionSizing] = field(default_factory=list)
    limit: Limit | None = None
    trace_file: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[dict[str, Any]]:
        return self.limit.violations(self.revisions) if self.limit else []

    def to_dict(self) -> dict[str, Any]:
        return {"revisions": [r.to_dict() for r in self.revisions], "trace_file": self.trace_file,
                "block_write_lock_over": self.limit.text if self.limit else None,
                "violations": self.violations, "notes": list(self.notes)}


def size_pending(project, pending: Iterable[str], conn, *, trace=None, limit: Limit | None = None,
                 trace_file: str | None = None) -> Sizing:
    """The sizing section for the gate: each pending revision's locks (from `trace` when it holds
    the revision, else predicted from the code read statically) joined with production's sizes,
    read on `conn` (the gate's read-only connection)."""
    from alembic_guard import ops  # the operation reader: loaded only when there is something to size
    from alembic_guard.trace.locks_used import measured, predicted, unsized

    project_ops = ops.operations(project)
    plans: list[tuple[str, list[LockUse], str, list[str]]] = []
    for rid in pending:
        traced = trace.revisions.get(rid) if trace is not None else None
        mig = project.by_revision.get(rid)
        if traced is not None:
            notes = [] if traced.complete else ["the traced upgrade failed: statements up to the failure only"]
            plans.append((rid, measured(traced), "measured", notes))
            continue
        calls = project_ops.of(mig).calls if mig is not None else []
        notes = unsized(calls)
        if trace is not None:
            notes.insert(0, "not in the trace: locks predicted from the code")
        plans.append((rid, predicted(calls), "predicted", notes))
    sizes = read_sizes(conn, [use.table for _, uses, _, _ in plans for use in uses])
    return Sizing([size_revision(rid, uses, sizes, source=source, notes=notes) for rid, uses, source, notes in plans],
                  limit=limit, trace_file=trace_file)
