"""Combine the JSON reports of `check --shard K/N` runs into one report.

Every shard runs the static rules too, so their findings repeat: findings are merged by
fingerprint. The round-trip facts are concatenated in shard order. A missing or duplicated shard
is an error, not a silently partial report.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from alembic_guard.core import reading
from alembic_guard.errors import GuardError
from alembic_guard.findings import Finding, Location, Report, Severity, Skip


def load(paths: list[Path]) -> list[dict]:
    docs = []
    for path in paths:
        try:
            doc = json.loads(reading.read_text(path, limit=reading.MAX_FILE_BYTES * 8))
        except reading.UnreadableFile:
            raise
        except OSError as exc:
            raise GuardError(f"cannot read {path}: {exc.strerror}") from None
        except RecursionError:
            raise GuardError(f"{path}: not a report (JSON nested too deeply)", hint="pass reports written by `alembic-guard check --format json`") from None
        except ValueError as exc:
            raise GuardError(f"{path}: not JSON ({exc})", hint="pass reports written by `alembic-guard check --format json`") from None
        if not isinstance(doc, dict) or "findings" not in doc or "version" not in doc:
            raise GuardError(f"{path}: not an alembic-guard JSON report", hint="write shard reports with --format json -o FILE")
        problem = _shape_problem(doc)
        if problem:
            raise GuardError(f"{path}: not an alembic-guard JSON report ({problem})",
                             hint="pass the unmodified files written by `alembic-guard check --format json -o FILE`")
        doc["_path"] = str(path)
        docs.append(doc)
    if not docs:
        raise GuardError("no reports given")
    return docs


def _shape_problem(doc: dict) -> str | None:
    """What makes `doc` unusable as a report (a hand-edited or truncated file), or None."""
    if not isinstance(doc["findings"], list):
        return "`findings` is not a list"
    labels = {s.label for s in Severity}
    for i, f in enumerate(doc["findings"]):
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in ("code", "severity", "message")):
            return f"finding {i + 1} lacks a code, severity or message"
        if f["severity"] not in labels:
            return f"finding {i + 1} has severity {f['severity']!r}"
        if not isinstance(f.get("location") or {}, dict) or not isinstance(f.get("related") or [], list):
            return f"finding {i + 1} has a malformed location"
    for key, kind in (("skipped", list), ("rules", list), ("facts", dict)):
        if doc.get(key) is not None and not isinstance(doc[key], kind):
            return f"`{key}` is not a {kind.__name__}"
    if not all(isinstance(sk, dict) for sk in doc.get("skipped") or []):
        return "`skipped` holds something other than objects"
    return None


def merge(docs: list[dict]) -> dict:
    """One JSON report document from several shard reports (see module docstring)."""
    shards = []
    for doc in docs:
        rt = (doc.get("facts") or {}).get("roundtrip") or {}
        shard = rt.get("shard")
        shards.append(tuple(shard) if shard else None)
    if any(s is not None for s in shards):
        totals = {s[1] for s in shards if s is not None}
        if None in shards or len(totals) != 1:
            raise GuardError("the reports come from different shardings (or some are not shards)",
                             hint="merge the reports of one `--shard K/N` matrix, all with the same N")
        n = totals.pop()
        seen = sorted(s[0] for s in shards)
        if seen != list(range(1, n + 1)):
            missing = sorted(set(range(1, n + 1)) - set(seen))
            dupes = sorted({k for k in seen if seen.count(k) > 1})
            what = (f"missing shard(s) {', '.join(f'{k}/{n}' for k in missing)}" if missing else "") + \
                   (f"{'; ' if missing else ''}duplicate shard(s) {', '.join(f'{k}/{n}' for k in dupes)}" if dupes else "")
            raise GuardError(f"cannot merge: {what}", hint="every shard K/N of the matrix must upload its report")
        docs = [d for _, d in sorted(zip([s[0] for s in shards], docs))]
    findings: dict[str, dict] = {}
    for doc in docs:
        for f in doc.get("findings", []):
            findings.setdefault(f.get("fingerprint") or json.dumps(f, sort_keys=True), f)
    skipped, seen_skips = [], set()
    for doc in docs:
        for s in doc.get("skipped", []):
            key = (tuple(s.get("codes", ())), s.get("reason"))
            if key not in seen_skips and not _shard_only_skip(s):
                seen_skips.add(key)
                skipped.append(s)
    rules = sorted({r for doc in docs for r in doc.get("rules", [])})
    facts: dict = {}
    for doc in docs:
        for key, value in (doc.get("facts") or {}).items():
            if key != "roundtrip":
                facts.setdefault(key, value)
    parts = [(d.get("facts") or {}).get("roundtrip") for d in docs]
    parts = [p for p in parts if p]
    if parts:
        facts["roundtrip"] = {
            "dialect": parts[0].get("dialect"),
            "sandbox": parts[0].get("sandbox"),
            "mode": "+".join(sorted({p.get("mode", "?") for p in parts})),
            "shards": [p.get("shard") for p in parts],
            "with_data": any(p.get("with_data") for p in parts),
            "revisions": [r for p in parts for r in p.get("revisions", [])],
            "seconds": round(sum(p.get("seconds", 0) for p in parts), 3),
            "wall_seconds": round(max(p.get("seconds", 0) for p in parts), 3),
            "steps": [s for p in parts for s in p.get("steps", [])],
            "irreversible": {k: v for p in parts for k, v in (p.get("irreversible") or {}).items()},
            "untested": {k: v for p in parts for k, v in (p.get("untested") or {}).items()},
            "warnings": sorted({w for p in parts for w in p.get("warnings", [])}),
        }
        traces = [p["trace"] for p in parts if isinstance(p.get("trace"), dict)]
        if traces:  # each shard traced its own segment
            trace = {k: v for k, v in traces[0].items() if k not in ("seeded_rows", "note")}
            trace["revisions"] = {k: v for t in traces for k, v in (t.get("revisions") or {}).items()}
            seeded = {k: v for t in traces for k, v in (t.get("seeded_rows") or {}).items()}
            notes = sorted({t["note"] for t in traces if t.get("note")})
            if seeded:
                trace["seeded_rows"] = seeded
            if notes:
                trace["note"] = "; ".join(notes)
            facts["roundtrip"]["trace"] = trace
    out = dict(docs[0])
    out.pop("_path", None)
    counts = {s.label: 0 for s in Severity}
    for f in findings.values():
        counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    out.update(findings=list(findings.values()), skipped=skipped, rules=rules, facts=facts,
               summary={"total": len(findings), **counts})
    return out


def _shard_only_skip(skip: dict) -> bool:
    """AG203 is skipped by every shard but the last: not worth repeating after a merge."""
    return "checked by the last shard only" in (skip.get("reason") or "")


def to_report(doc: dict, root: Path = Path(".")) -> Report:
    """A Report from a JSON document, for the other output formats. Fingerprints are recomputed
    from the message when the anchor is not in the JSON; the JSON output keeps the originals."""
    findings = []
    for f in doc.get("findings", []):
        loc = f.get("location") or {}
        findings.append(Finding(
            code=f["code"],
            severity=Severity.parse(f["severity"]),
            message=f["message"],
            location=_loc(loc),
            hint=f.get("hint"),
            related=tuple(_loc(r) for r in f.get("related", [])),
            details=f.get("details"),
            evidence=(f.get("evidence") or {}).get("mark"),
            evidence_note=(f.get("evidence") or {}).get("note"),
        ))
    findings.sort(key=Finding.sort_key)
    skipped = tuple(Skip(tuple(s.get("codes", ())), s.get("reason", ""), bool(s.get("incomplete"))) for s in doc.get("skipped", []))
    from alembic_guard.rules import BY_CODE  # start-up cost: every rule, only when reports are merged

    rules = tuple(BY_CODE[c].info() for c in doc.get("rules", []) if c in BY_CODE)
    return Report(root=root, findings=tuple(findings), rules=rules, skipped=skipped, facts=doc.get("facts", {}))


def _loc(d: dict) -> Location:
    return Location(PurePosixPath(d.get("path") or "."), d.get("line"), d.get("column"), d.get("end_line"),
                    d.get("end_column"), d.get("revision"))
