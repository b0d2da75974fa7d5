"""What a lock trace is, as values: PostgreSQL's table lock modes, and what one revision's upgrade
was seen to take, statement by statement.

This module owns the vocabulary shared by the recorder (`trace.recorder`, in the round trip), the
rules that read a trace (AG31x), the marks on static findings (`trace.marks`), the `trace`
command and the gate's sizing. It must not talk to a database or import Alembic: it is plain
data, built from and turned back into JSON (the round trip's `facts["roundtrip"]["trace"]`).

Lock modes are spelled as PostgreSQL's documentation spells them ("ACCESS EXCLUSIVE"); `pg_locks`
spells them "AccessExclusiveLock" (`mode_from_pg`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic_guard.core import reading
from alembic_guard.findings import Finding

# The eight table-level lock modes, weakest first (PostgreSQL docs, "Explicit Locking", 13.3.1).
MODES = (
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)

# Table 13.2, "Conflicting Lock Modes": mode -> the modes it conflicts with.
CONFLICTS: dict[str, frozenset[str]] = {
    "ACCESS SHARE": frozenset({"ACCESS EXCLUSIVE"}),
    "ROW SHARE": frozenset({"EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "ROW EXCLUSIVE": frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "SHARE UPDATE EXCLUSIVE": frozenset(
        {"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "SHARE": frozenset({"ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "SHARE ROW EXCLUSIVE": frozenset(
        {"ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}),
    "EXCLUSIVE": frozenset(
        {"ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE",
         "ACCESS EXCLUSIVE"}),
    "ACCESS EXCLUSIVE": frozenset(MODES),
}

# What the application does, and the lock each of its statements takes.
TAKEN_BY = {
    "reads": "ACCESS SHARE",  # SELECT
    "writes": "ROW EXCLUSIVE",  # INSERT, UPDATE, DELETE
    "SELECT FOR UPDATE": "ROW SHARE",
    "autovacuum and other schema changes": "SHARE UPDATE EXCLUSIVE",  # VACUUM, ANALYZE, CIC
}


def mode_from_pg(name: str) -> str:
    """`AccessExclusiveLock` (pg_locks.mode) -> `ACCESS EXCLUSIVE`; an unknown name is returned as is."""
    base = name[:-4] if name.endswith("Lock") else name
    words, word = [], ""
    for ch in base:
        if ch.isupper() and word:
            words.append(word)
            word = ""
        word += ch
    if word:
        words.append(word)
    text = " ".join(words).upper()
    return text if text in CONFLICTS else name


def rank(mode: str) -> int:
    """Position in MODES (stronger is higher); -1 for a mode that is not a table lock mode."""
    return MODES.index(mode) if mode in MODES else -1


def blocks(mode: str) -> tuple[str, ...]:
    """What a lock in `mode` blocks of the application's work, in words: ("reads", "writes"), ..."""
    return tuple(what for what, taken in TAKEN_BY.items() if taken in CONFLICTS.get(mode, ()))


def blocks_reads(mode: str) -> bool:
    return "ACCESS SHARE" in CONFLICTS.get(mode, ())


def blocks_writes(mode: str) -> bool:
    return "ROW EXCLUSIVE" in CONFLICTS.get(mode, ())


def blocks_text(mode: str) -> str:
    """One phrase: 'blocks reads and writes', 'blocks writes', 'blocks other schema changes', 'blocks nothing the application does'."""
    if blocks_reads(mode):
        return "blocks reads and writes"
    if blocks_writes(mode):
        return "blocks writes (reads go on)"
    if mode in CONFLICTS.get("SHARE UPDATE EXCLUSIVE", ()):
        return "blocks autovacuum and other schema changes (reads and writes go on)"
    if mode == "ROW SHARE" or mode == "ROW EXCLUSIVE":
        return "blocks only table-wide locks (reads and writes go on)"
    return "blocks only ACCESS EXCLUSIVE (reads and writes go on)"


@dataclass(frozen=True)
class Prediction:
    """What an op rule's finding says PostgreSQL will do to an existing table, as the lock trace
    can check it (`alembic_guard.trace.marks`): the weakest table lock `mode` the statement takes
    ("SHARE"), whether it rewrites the table (`rewrite`) or reads it whole (`scan`). `statement` is
    a regular expression that picks the op's statement among those issued from the finding's line
    (several run from one `alter_column`); `when` limits the prediction to findings whose anchor
    has that word (a rule with several kinds of finding declares a tuple, first match wins). A
    prediction with no mode, rewrite or scan predicts nothing: its findings stay unmarked."""

    mode: str | None = None
    rewrite: bool = False
    scan: bool = False
    statement: str = ""
    when: str = ""

    @property
    def predicts_anything(self) -> bool:
        return bool(self.mode or self.rewrite or self.scan)

    def applies_to(self, finding: Finding) -> bool:
        return not self.when or self.when in (finding.anchor or "").split()


# ---------------------------------------------------------------------------------- the trace
@dataclass(frozen=True)
class LockHeld:
    """A relation lock a statement newly held (not held before it in the same transaction)."""

    relation: str  # "orders", or "audit.orders" outside the search path's first schema
    mode: str  # one of MODES
    kind: str = "table"  # table | index | sequence | view | materialized view | other (pg_class.relkind)
    existed: bool = True  # the relation existed before this revision's upgrade began
    table: str | None = None  # for an index: the table it belongs to
    observed: str = "held"  # held: read in the transaction after the statement | sampled: seen from a second connection while it ran

    def to_dict(self) -> dict[str, Any]:
        out = {"relation": self.relation, "mode": self.mode, "kind": self.kind, "existed": self.existed}
        if self.table:
            out["table"] = self.table
        if self.observed != "held":
            out["observed"] = self.observed
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LockHeld":
        return cls(relation=data["relation"], mode=data["mode"], kind=data.get("kind", "table"),
                   existed=bool(data.get("existed", True)), table=data.get("table"),
                   observed=data.get("observed", "held"))


@dataclass(frozen=True)
class TracedStatement:
    """One statement a revision's upgrade executed, and what PostgreSQL showed for it."""

    sql: str  # masked, whitespace collapsed, shortened
    line: int | None = None  # line of the revision file that issued it (innermost frame in that file)
    seconds: float = 0.0
    locks: tuple[LockHeld, ...] = ()
    rewrites: tuple[str, ...] = ()  # existing relations whose relfilenode changed (rewritten, or truncated)
    scans: tuple[str, ...] = ()  # existing tables read whole by a sequential scan (pg_stat_xact_user_tables)
    autocommit: bool = False  # ran outside a transaction (autocommit_block, CONCURRENTLY): locks were sampled
    ok: bool = True  # False: the database rejected it (the last statement of a failed upgrade)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sql": self.sql, "line": self.line, "seconds": round(self.seconds, 5),
                               "locks": [lock.to_dict() for lock in self.locks]}
        if self.rewrites:
            out["rewrites"] = list(self.rewrites)
        if self.scans:
            out["scans"] = list(self.scans)
        if self.autocommit:
            out["autocommit"] = True
        if not self.ok:
            out["ok"] = False
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TracedStatement":
        return cls(sql=data["sql"], line=data.get("line"), seconds=float(data.get("seconds", 0.0)),
                   locks=tuple(LockHeld.from_dict(x) for x in data.get("locks", ())),
                   rewrites=tuple(data.get("rewrites", ())), scans=tuple(data.get("scans", ())),
                   autocommit=bool(data.get("autocommit", False)), ok=bool(data.get("ok", True)))

    def existing_locks(self) -> tuple[LockHeld, ...]:
        """Locks on relations that existed before the revision (the ones production would wait on)."""
        return tuple(lock for lock in self.locks if lock.existed)


@dataclass(frozen=True)
class RevisionTrace:
    """Everything one revision's (first) upgrade executed, in order."""

    revision: str
    statements: tuple[TracedStatement, ...] = ()
    rows: dict[str, int] = field(default_factory=dict)  # existing table -> rows when the upgrade began
    seconds: float = 0.0
    complete: bool = True  # False: the upgrade failed; statements up to the failure
    path: str | None = None  # the revision file, relative to the project root

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"revision": self.revision, "seconds": round(self.seconds, 5),
                               "statements": [s.to_dict() for s in self.statements], "rows": dict(self.rows)}
        if not self.complete:
            out["complete"] = False
        if self.path:
            out["path"] = self.path
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RevisionTrace":
        return cls(revision=data["revision"], seconds=float(data.get("seconds", 0.0)),
                   statements=tuple(TracedStatement.from_dict(s) for s in data.get("statements", ())),
                   rows={str(k): int(v) for k, v in (data.get("rows") or {}).items()},
                   complete=bool(data.get("complete", True)), path=data.get("path"))

    def strongest(self, existing_only: bool = True) -> dict[str, str]:
        """relation -> the strongest mode any statement took on it (existing relations by default)."""
        out: dict[str, str] = {}
        for stmt in self.statements:
            for lock in stmt.locks:
                if existing_only and not lock.existed:
                    continue
                if rank(lock.mode) > rank(out.get(lock.relation, "")):
                    out[lock.relation] = lock.mode
        return out

    def rewritten(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for stmt in self.statements:
            for rel in stmt.rewrites:
                seen.setdefault(rel, None)
        return tuple(seen)

    def at_line(self, line: int | None) -> tuple[TracedStatement, ...]:
        """The statements issued from `line` of the revision file."""
        return tuple(s for s in self.statements if line is not None and s.line == line)

    def exclusive_span(self, relation: str) -> int:
        """How many statements ran while `relation` was held ACCESS EXCLUSIVE: from the statement
        that took it to the end of the revision (a lock is held until the transaction ends; an
        autocommit statement's lock ends with it)."""
        for i, stmt in enumerate(self.statements):
            if any(lock.relation == relation and lock.mode == "ACCESS EXCLUSIVE" and not stmt.autocommit
                   for lock in stmt.locks):
                return sum(1 for s in self.statements[i:] if not s.autocommit)
        return 0


@dataclass(frozen=True)
class Trace:
    """The lock trace of a round trip: one RevisionTrace per traced revision, in upgrade order."""

    revisions: dict[str, RevisionTrace] = field(default_factory=dict)
    server_version: str | None = None  # PostgreSQL's server_version
    with_data: bool = False
    seeded_rows: dict[str, int] = field(default_factory=dict)  # --rows table=N
    note: str | None = None  # why nothing or only part was traced

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"server_version": self.server_version, "with_data": self.with_data,
                               "revisions": {rev: t.to_dict() for rev, t in self.revisions.items()}}
        if self.seeded_rows:
            out["seeded_rows"] = dict(self.seeded_rows)
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Trace":
        return cls(revisions={rev: RevisionTrace.from_dict(t) for rev, t in (data.get("revisions") or {}).items()},
                   server_version=data.get("server_version"), with_data=bool(data.get("with_data", False)),
                   seeded_rows={str(k): int(v) for k, v in (data.get("seeded_rows") or {}).items()},
                   note=data.get("note"))


class TraceFileError(ValueError):
    """A --trace / --report file that holds no lock trace (message says why and what to pass)."""


def traces_in_report(data: dict[str, Any]) -> list[Trace]:
    """Every lock trace in a JSON report (`check --format json`): the top-level round trip's, and
    each environment's when the report covers several."""
    found = []
    candidates = [data.get("facts") or {}]
    candidates += [env.get("facts") or {} for env in data.get("environments") or () if isinstance(env, dict)]
    for facts in candidates:
        trace = (facts.get("roundtrip") or {}).get("trace") if isinstance(facts, dict) else None
        if isinstance(trace, dict):
            found.append(Trace.from_dict(trace))
    return found


def load_trace(path: Path) -> Trace:
    """The lock trace in a JSON report file (merged over environments). Raises TraceFileError."""
    try:
        data = json.loads(reading.read_text(path))
    except (OSError, ValueError) as exc:
        raise TraceFileError(f"{path}: cannot read a JSON report: {exc}") from None
    if not isinstance(data, dict):
        raise TraceFileError(f"{path}: not a report written by `alembic-guard check --format json`")
    traces = traces_in_report(data)
    if not traces:
        raise TraceFileError(
            f"{path}: the report holds no lock trace; write one with "
            "`alembic-guard check --db … --format json -o FILE` on PostgreSQL")
    merged: dict[str, RevisionTrace] = {}
    for trace in traces:
        merged.update(trace.revisions)
    first = traces[0]
    return Trace(revisions=merged, server_version=first.server_version, with_data=first.with_data,
                 seeded_rows=first.seeded_rows, note=first.note)
