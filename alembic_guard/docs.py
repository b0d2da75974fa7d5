"""Render rule documentation from docstrings: `alembic-guard rule`, docs/rules/*.md, SARIF help."""

from __future__ import annotations

import json
import re
import textwrap
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
    checked = [p for p in rule.predicts if p.predicts_anything]
    if checked:
        meta.append("Checked against the lock trace: " + "; ".join(_prediction_text(p) for p in checked))
    body = rule.doc.split("\n", 1)
    summary = body[0].strip()
    rest = body[1].strip() if len(body) > 1 else ""
    return f"# {rule.code} {rule.name}\n\n{summary}\n\n" + "\n".join(f"- {m}" for m in meta) + ("\n\n" + rest if rest else "") + "\n"


def _prediction_text(p) -> str:
    """`ACCESS EXCLUSIVE lock and a rewrite`: what a finding predicts, for the rule's page."""
    parts = [f"{p.mode} lock"] if p.mode else []
    parts += ["a rewrite"] * p.rewrite + ["a full scan"] * p.scan
    return " and ".join(parts) + " on the table"


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


def wrap_markdown(text: str, width: int) -> str:
    """Reflow a rule page's prose to `width` columns for a terminal.

    Paragraphs and list items (`- `, `* `, `1. `) are re-wrapped, their continuation lines indented under the
    item's text; fenced code, tables, headings and blank lines are kept as written.
    """
    width = max(width, 40)
    out: list[str] = []
    block: list[str] = []
    fenced = False

    def flush() -> None:
        if not block:
            return
        first = block[0]
        bullet = re.match(r"(\s*(?:[-*]|\d+\.)\s+)", first)
        lead = bullet.group(1) if bullet else re.match(r"\s*", first).group(0)
        words = " ".join(line.strip() for line in block)
        if bullet:
            words = words[len(lead.strip()):].strip()
        out.extend(textwrap.wrap(words, width, initial_indent=lead, subsequent_indent=" " * len(lead),
                                 break_long_words=False, break_on_hyphens=False) or [""])
        block.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced or not stripped or stripped.startswith(("#", "|")):
            flush()
            out.append(line)
        elif re.match(r"\s*(?:[-*]|\d+\.)\s+", line):
            flush()
            block.append(line)
        else:
            block.append(line)
    flush()
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
