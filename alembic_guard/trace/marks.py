"""Static meets measured: mark each static AG4xx finding with what the round trip's lock trace saw.

A rule that predicts a lock, a rewrite or a full scan declares it (`@op_rule(..., predicts=
Prediction(...))`, see `rules._registry.Prediction`). For a finding on a traced revision, the
statements issued from the finding's line (`RevisionTrace.at_line`) either show what the rule
predicted on an existing table (`confirmed`) or a weaker lock / no rewrite / no scan (`not
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
from collections.abc import Iterable, Mapping, Sequence

from alembic_guard.findings import Finding, Severity
from alembic_guard.rules._registry import Prediction, Rule
from alembic_guard.trace.model import LockHeld, Trace, TracedStatement, blocks_writes, rank

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


def apply(findings: list[Finding], facts: Mapping, rules: Iterable[Rule]) -> list[Finding]:
    """The engine's hook: mark `findings` with the trace in `facts` (unchanged when there is none)."""
    trace = trace_in_facts(facts)
    if trace is None or not trace.revisions:
        return findings
    return mark(findings, trace, {r.code: r for r in rules if r.predicts})


def mark(findings: Sequence[Finding], trace: Trace, rules: Mapping[str, Rule]) -> list[Finding]:
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
        verdict = judge(prediction, revision.at_line(f.location.line))
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


def judge(prediction: Prediction, statements: Sequence[TracedStatement]) -> tuple[str, str] | None:
    """(CONFIRMED | NOT_OBSERVED, what the trace saw), or None when these statements cannot tell."""
    chosen = [s for s in statements if s.ok]
    if prediction.statement:
        rx = re.compile(prediction.statement, re.IGNORECASE)
        chosen = [s for s in chosen if rx.search(s.sql)]
    if not chosen:
        return None  # nothing ran from that line (or not the op's statement, or it failed)
    lock = strongest_table_lock(chosen)
    lock_ok = prediction.mode is None or (lock is not None and rank(lock.mode) >= rank(prediction.mode))
    if not lock_ok and any(s.autocommit for s in chosen):
        return None  # outside a transaction locks are sampled while the statement runs: absence proves nothing
    rewritten = _unique(rel for s in chosen for rel in s.rewrites)
    scanned = _unique(rel for s in chosen for rel in s.scans)
    rewrite_ok = not prediction.rewrite or bool(rewritten)
    scan_ok = not prediction.scan or bool(scanned)
    seen = f"the trace saw {lock.mode} on `{lock.relation}`" if lock is not None else "the trace saw no lock on an existing table"
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


def strongest_table_lock(statements: Iterable[TracedStatement]) -> LockHeld | None:
    """The strongest lock these statements newly took on an existing table (not an index or sequence)."""
    best: LockHeld | None = None
    for s in statements:
        for lock in s.existing_locks():
            if lock.kind not in _NOT_TABLES and (best is None or rank(lock.mode) > rank(best.mode)):
                best = lock
    return best


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _names(relations: Sequence[str]) -> str:
    return ", ".join(f"`{r}`" for r in relations)
