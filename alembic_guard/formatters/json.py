"""Versioned JSON document. The schema is `alembic_guard/formatters/report.schema.json`;
`version` is bumped whenever the shape changes."""

from __future__ import annotations

import json
from typing import Any, TextIO

import alembic_guard
from alembic_guard.findings import Report

SCHEMA_VERSION = 1


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "alembic-guard", "version": alembic_guard.__version__},
        "findings": [f.to_dict() for f in report.findings],
        "skipped": [{"codes": list(s.codes), "reason": s.reason, **({"incomplete": True} if s.incomplete else {})}
                    for s in report.skipped],
        "rules": [r.code for r in report.rules],
        "summary": {"total": len(report.findings), **report.counts()},
        "facts": report.facts,
        "environments": [environment_dict(env, with_facts=len(report.environments) > 1) for env in report.environments],
    }


def environment_dict(env: dict[str, Any], with_facts: bool = False) -> dict[str, Any]:
    """One analysed environment: where it is, its dialect (and why), heads, its own summary; with
    several environments also its own `facts` (the top-level ones then only count them)."""
    out = {k: v for k, v in env.items() if k != "report"}
    sub = env.get("report")
    if sub is not None:
        out["skipped"] = [{"codes": list(s.codes), "reason": s.reason} for s in sub.skipped]
        out["fingerprints"] = [f.fingerprint for f in sub.findings]
        if with_facts:
            out["facts"] = sub.facts
    return out


def render(report: Report, out: TextIO) -> None:
    json.dump(to_dict(report), out, indent=2, sort_keys=False, ensure_ascii=False, default=str)
    out.write("\n")
