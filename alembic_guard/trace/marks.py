"""Static meets measured: mark each static AG4xx finding with what the round trip's lock trace saw.

A rule that predicts a lock, a rewrite or a full scan declares it (`@op_rule(..., predicts=
Prediction(...))`, see `rules._registry.Prediction`). For a finding on a traced revision, the
statements issued from the finding's line (`RevisionTrace.at_line`), taken with the locks their
transaction already held (the trace lists only locks a statement newly took), either show what the
rule predicted on an existing table (`confirmed`) or a weaker lock / no rewrite / no scan (`not
observed`: the finding is demoted one severity step and its note says what the trace saw). Findings
with no traced statement at their line, or whose rule predicts nothing checkable, stay unmarked.
The AG31x findings of a statement that a confirmed static finding already reports are dropped.

This module owns that judgement only. It is pure: findings, a Trace and the rules' predictions in,
findings out. It must not talk to a database, read files, or change a finding's fingerprint (code,
path, revision, anchor and message stay as they are; only severity and the evidence fields move).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from alembic_guard.findings import Finding, Severity
from alembic_guard.trace.model import Prediction, RevisionTrace, Trace, TracedStatement, blocks_writes, rank

CONFIRMED = "confirmed"
NOT_OBSERVED = "not observed"

# measured findings dropped when a confirmed static finding at the same line predicted the same effect
COVERED_BY = {"AG311": "rewrite", "AG313": "scan"}
_NOT_TABLES = ("index", "sequence")


def demoted(severity: Severity) -> Severity:
    """One step down: error -> warning -> info (info stays info)."""
    return Severity(max(Severity.INFO, severity - 1))


def trace_in_facts(facts: Mapping) -> Trace | None:
    """The round trip's lock trace in a run's facts (a Trace, or its JSON form), if any."""
    found = (facts.get("roundtrip") or {}).get("trace") if isinstance(facts, Mapping) else None
    if isinstance(found, Trace):
        return found
    if isinstance(found, dict):
        return Trace.from_dict(found)
    return None


def apply(findings: list[Finding], facts: Mapping, rules: Iterable) -> list[Finding]:
    """The engine's hook: mark `findings` with the trace in `facts` (unchanged when there is none)."""
    trace = trace_in_facts(facts)
    if trace is None or not trace.revisions:
        return findings
    return mark(findings, trace, {r.code: r for r in rules if r.predicts})


def mark(findings: Sequence[Finding], trace: Trace, rules: Mapping[str, Any]) -> list[Finding]:
    """Every finding, marked where the trace can judge it; covered AG31x findings left out."""
    out: list[Finding] = []
    covered: dict[tuple[str, int], set[str]] = {}
    for f in findings:
        rule = rules.get(f.code)
        prediction = rule.prediction_for(f) if rule is not None else None
        revision = trace.revisions.get(f.location.revision or "")
        if prediction is None or revision is None or f.evidence:
            out.append(f)
            continue
        verdict = judge(prediction, revision, f.location.line)
        if verdict is None:
            out.append(f)
            continue
        evidence, note = verdict
        if evidence == CONFIRMED:
            effects = covered.setdefault((revision.revision, f.location.line or 0), set())
            effects.update(name for name in ("rewrite", "scan") if getattr(prediction, name))
            if prediction.mode and blocks_writes(prediction.mode):
                effects.add("scan")  # a scan under the lock the static finding already reports
            out.append(dataclasses.replace(f, evidence=CONFIRMED, evidence_note=note))
        else:
            note += f"; demoted from {f.severity.label}" if demoted(f.severity) != f.severity else ""
            out.append(dataclasses.replace(f, severity=demoted(f.severity), evidence=NOT_OBSERVED, evidence_note=note))
    return [f for f in out if not _covered(f, covered)]


def _covered(f: Finding, covered: Mapping[tuple[str, int], set[str]]) -> bool:
    effect = COVERED_BY.get(f.code)
    return effect is not None and effect in covered.get((f.location.revision or "", f.location.line or 0), ())


def judge(prediction: Prediction, revision: RevisionTrace, line: int | None) -> tuple[str, str] | None:
    """(CONFIRMED | NOT_OBSERVED, what the trace saw) for a finding at `line` of `revision`, or None
    when the statements issued from that line cannot tell."""
    rx = re.compile(prediction.statement, re.IGNORECASE) if prediction.statement else None
    chosen = [(s, before) for s, before in with_held(revision)
              if line is not None and s.line == line and s.ok and (rx is None or rx.search(s.sql))]
    if not chosen:
        return None  # nothing ran from that line (or not the op's statement, or it failed)
    held = strongest_held(chosen)
    lock_ok = prediction.mode is None or (held is not None and rank(held[1]) >= rank(prediction.mode))
    if not lock_ok and any(s.autocommit for s, _ in chosen):
        return None  # outside a transaction locks are sampled while the statement runs: absence proves nothing
    rewritten = _unique(rel for s, _ in chosen for rel in s.rewrites)
    scanned = _unique(rel for s, _ in chosen for rel in s.scans)
    rewrite_ok = not prediction.rewrite or bool(rewritten)
    scan_ok = not prediction.scan or bool(scanned)
    seen = f"the trace saw {held[1]} on `{held[0]}`" if held is not None else "the trace saw no lock on an existing table"
    if lock_ok and rewrite_ok and scan_ok:
        extra = [f"a rewrite of {_names(rewritten)}"] if prediction.rewrite else []
        extra += [f"a full scan of {_names(scanned)}"] if prediction.scan else []
        return CONFIRMED, seen + "".join(f" and {e}" for e in extra)
    missing = []
    if prediction.rewrite and not rewrite_ok:
        missing.append("no rewrite")
    if prediction.scan and not scan_ok:
        missing.append("no full scan")
    said = [prediction.mode] if prediction.mode else []
    said += ["a rewrite"] * prediction.rewrite + ["a full scan"] * prediction.scan
    return NOT_OBSERVED, f"{seen}{''.join(f' and {m}' for m in missing)} (the rule predicted {' with '.join(said)})"


def with_held(revision: RevisionTrace) -> Iterator[tuple[TracedStatement, dict[str, str]]]:
    """Each statement with the table locks the revision's transaction held before it (existing
    tables -> strongest mode). The trace lists only locks a statement newly took: a table locked
    by an earlier statement shows no lock at the later one. A statement outside a transaction
    (`autocommit_block`) begins after a COMMIT, so it starts from nothing held."""
    held: dict[str, str] = {}
    for stmt in revision.statements:
        if stmt.autocommit:
            held = {}
        yield stmt, dict(held)
        if not stmt.autocommit:
            held = held_after(held, stmt)


def held_after(before: Mapping[str, str], stmt: TracedStatement) -> dict[str, str]:
    """The table locks held once `stmt` has run: `before` (existing tables -> strongest mode) with
    the statement's own locks on existing tables merged in."""
    held = dict(before)
    for lock in stmt.existing_locks():
        if lock.kind not in _NOT_TABLES and rank(lock.mode) > rank(held.get(lock.relation, "")):
            held[lock.relation] = lock.mode
    return held


def strongest_held(chosen: Sequence[tuple[TracedStatement, Mapping[str, str]]]) -> tuple[str, str] | None:
    """(table, mode): the strongest lock on an existing table these statements ran under, among the
    tables they touched (newly locked, rewrote, scanned, or name in their SQL while it was held).
    Ties go to the table named first in the SQL (`ALTER TABLE orders ... REFERENCES users`)."""
    best: tuple[int, int, str, str] | None = None
    for stmt, before in chosen:
        modes = dict(before) if not stmt.autocommit else {}
        touched = {rel for rel in (*stmt.rewrites, *stmt.scans) if rel in modes}
        touched |= {rel for rel in modes if _named_in(rel, stmt.sql)}
        for lock in stmt.existing_locks():
            if lock.kind in _NOT_TABLES:
                if lock.table and lock.table in modes:
                    touched.add(lock.table)
                continue
            touched.add(lock.relation)
            if rank(lock.mode) > rank(modes.get(lock.relation, "")):
                modes[lock.relation] = lock.mode
        for table in touched:
            mode = modes.get(table)
            if mode is None:
                continue
            where = _position(table, stmt.sql)
            key = (rank(mode), -where, table, mode)
            if best is None or key[:2] > best[:2]:
                best = key
    return (best[2], best[3]) if best is not None else None


def _named_in(relation: str, sql: str) -> bool:
    return _position(relation, sql) < len(sql)


def _position(relation: str, sql: str) -> int:
    """Where `relation` (or its name without the schema) first appears in `sql` as a word; len(sql) if not."""
    name = re.escape(relation.rsplit(".", 1)[-1])
    m = re.search(rf'(?<![\w$"])"?{name}"?(?![\w$])', sql, re.IGNORECASE)
    return m.start() if m else len(sql)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _names(relations: Sequence[str]) -> str:
    return ", ".join(f"`{r}`" for r in relations)
