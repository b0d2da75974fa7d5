"""`check --statistics`: one line per rule with its count, most frequent first (like `ruff --statistics`).

For adoption: how many findings each rule gives on a project, before deciding what to select, ignore or
put in a baseline. Ends with the same summary line as the text format.
"""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from alembic_guard.findings import Report
from alembic_guard.formatters import text


def render(report: Report, out: TextIO) -> None:
    counts = Counter(f.code for f in report.findings)
    severity = {f.code: f.severity for f in report.findings}
    names = {r.code: r.name for r in report.rules}
    if counts:
        width = len(str(max(counts.values())))
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            label = f"[{severity[code].label}]"
            out.write(f"{n:>{width}}  {code}  {label:<9} {names.get(code, '')}".rstrip() + "\n")
        out.write("\n")
    out.write(text.summary(report) + "\n")
