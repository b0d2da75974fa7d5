"""Render rule documentation from docstrings: `alembic-guard rule`, docs/rules/*.md, SARIF help."""

from __future__ import annotations

import json
from collections.abc import Sequence

from alembic_guard.rules._registry import Rule

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


def sections(rule: Rule) -> dict[str, str]:
    out: dict[str, str] = {}
    current = None
    for line in rule.doc.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return {k: v.strip("\n") for k, v in out.items()}


def render_rule(rule: Rule) -> str:
    meta = [
        f"Code: {rule.code}",
        f"Name: {rule.name}",
        f"Family: {rule.family}",
        f"Default severity: {rule.severity.label}",
        f"Needs: {rule.requires.value}",
    ]
    if rule.dialects:
        meta.append(f"Dialects: {', '.join(sorted(rule.dialects))}")
    if rule.status != "stable":
        meta.append(f"Status: {rule.status}")
    meta.append(f"Since: {rule.since}")
    body = rule.doc.split("\n", 1)
    summary = body[0].strip()
    rest = body[1].strip() if len(body) > 1 else ""
    return f"# {rule.code} {rule.name}\n\n{summary}\n\n" + "\n".join(f"- {m}" for m in meta) + ("\n\n" + rest if rest else "") + "\n"


def rules_table(rules: Sequence[Rule], fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(
            [
                {"code": r.code, "name": r.name, "family": r.family, "kind": r.kind, "severity": r.severity.label,
                 "requires": r.requires.value, "dialects": sorted(r.dialects), "status": r.status,
                 "since": r.since, "summary": r.summary}
                for r in rules
            ],
            indent=2,
        ) + "\n"
    if fmt == "markdown":
        lines = ["| code | name | severity | needs | summary |", "|---|---|---|---|---|"]
        for r in rules:
            lines.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity.label} | {r.requires.value} | {r.summary} |")
        return "\n".join(lines) + "\n"
    width = max((len(r.name) for r in rules), default=10)
    lines = [f"{'CODE':<6} {'NAME':<{width}} {'SEVERITY':<8} {'NEEDS':<8} SUMMARY"]
    for r in rules:
        status = " (preview)" if r.status == "preview" else ""
        lines.append(f"{r.code:<6} {r.name:<{width}} {r.severity.label:<8} {r.requires.value:<8} {r.summary}{status}")
    return "\n".join(lines) + "\n"
