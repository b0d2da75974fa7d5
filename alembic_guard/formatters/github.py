"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff.

`::error file=migrations/versions/x.py,line=3,col=5,title=AG101 multiple-heads::message`.
INFO -> notice, WARNING -> warning, ERROR -> error. Messages escape `%`, CR and LF (the hint goes
on a second line, `%0A`); property values additionally escape `:` and `,`. A span over several
lines carries `line`/`endLine` only: GitHub ignores columns unless start and end share a line.
File paths are relative to `$GITHUB_WORKSPACE` (else the current directory) when the project
lies inside it, so `alembic-guard check backend` annotates `backend/migrations/...`.
"""

from __future__ import annotations

from typing import TextIO

from alembic_guard.findings import Finding, Report, Severity
from alembic_guard.formatters._paths import path_prefix
from alembic_guard.formatters._rules import rule_infos
from alembic_guard.formatters.text import _CONTROL, summary

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)  # never raw ESC in the log


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, names: dict[str, str], prefix: str = "") -> str:
    loc = f.location
    props = [("file", prefix + str(loc.path))]
    if loc.line is not None:
        props.append(("line", str(loc.line)))
        multi_line = loc.end_line is not None and loc.end_line != loc.line
        if loc.end_line is not None and loc.end_line >= loc.line:
            props.append(("endLine", str(loc.end_line)))
        if loc.column is not None and not multi_line:
            props.append(("col", str(loc.column)))
            if loc.end_column is not None and loc.end_line in (None, loc.line):
                props.append(("endColumn", str(loc.end_column)))
    title = f"{f.code} {names[f.code]}" if f.code in names else f.code
    props.append(("title", title))
    message = f.message if not f.hint else f"{f.message}\nhint: {f.hint}"
    if f.evidence:
        message += f"\nlock trace: {f.evidence_text}"
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMANDS[f.severity]} {head}::{escape_data(message)}"


def render(report: Report, out: TextIO) -> None:
    names = {r.code: r.name for r in rule_infos(report)}
    prefix = path_prefix(report.root)  # annotations need paths from the checkout's root
    for f in report.findings:
        out.write(annotation(f, names, prefix) + "\n")
    for skip in report.skipped:
        codes = ", ".join(skip.codes)
        title = escape_property("alembic-guard: skipped checks")
        level = "warning" if skip.incomplete else "notice"  # asked for but could not run: visible
        out.write(f"::{level} title={title}::{escape_data(f'skipped {codes}: {skip.reason}')}\n")
    out.write(f"alembic-guard: {summary(report)}\n")
