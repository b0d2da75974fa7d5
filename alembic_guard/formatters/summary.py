"""Markdown job summary (GitHub's `$GITHUB_STEP_SUMMARY`, or any Markdown viewer).

A verdict line, a findings table, the heads, and a Mermaid picture of the recent history (the last
`RECENT` revisions); with several environments (docs/environments.md), a table of them instead
(revisions, heads, dialect and why, findings). The graph comes from `report.facts["graph"]` when a caller put it there, else
it is read statically from the project at `report.root` (nothing is imported); when neither works
the graph sections are left out.
"""

from __future__ import annotations

import io
from typing import Any, TextIO

from alembic_guard.findings import Report, Severity

RECENT = 15
_ICONS = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟠 warning", Severity.INFO: "🔵 info"}


def _cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, one line, no raw HTML."""
    value = str(text if text is not None else "")
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(value.split())


def _project(report: Report):
    try:
        from alembic_guard.project import Project  # start-up cost: project layer, only when read
        from alembic_guard.settings import load  # start-up cost (as above)

        return Project.load(load(report.root))
    except Exception:  # noqa: BLE001 - a summary without a graph is still a summary
        return None


def graph_facts(project) -> dict[str, Any]:
    """What the summary needs about the graph, as plain data (also usable as report facts)."""
    from alembic_guard.graph import render as graph_render  # start-up cost (as above)

    g = project.graph
    buf = io.StringIO()
    graph_render.render_mermaid(project, buf, limit=RECENT)
    return {
        "revisions": len(g),
        "heads": [
            {
                "revision": h,
                "message": g[h].message,
                "path": str(g[h].location.path) if g[h].location else None,
                "branch_labels": sorted(g.labels_of(h)),
            }
            for h in g.heads
        ],
        "mermaid": buf.getvalue(),
    }


def render(report: Report, out: TextIO) -> None:
    counts = report.counts()
    total = len(report.findings)
    graph = report.facts.get("graph")
    several = len(report.environments) > 1
    if graph is None and not several:
        project = _project(report)
        graph = graph_facts(project) if project is not None else None

    n_rules = f"{len(report.rules)} rule{'s' if len(report.rules) != 1 else ''}"
    out.write("## alembic-guard\n\n")
    unrun = sorted({code for s in report.skipped if s.incomplete for code in s.codes})
    if total == 0 and unrun:  # a check asked for that could not run: not a clean run
        out.write(f"⚠️ **Not clean**: no findings, but {', '.join(unrun)} could not run (see Skipped checks).\n\n")
    elif total == 0:
        out.write(f"✅ **No findings** ({n_rules} checked).\n\n")
    else:
        parts = ", ".join(f"{n} {label}" for label, n in reversed(counts.items()) if n)
        out.write(f"❌ **{total} finding{'s' if total != 1 else ''}** ({parts}) with {n_rules}.\n\n")
        out.write("| Severity | Rule | Where | Message |\n|---|---|---|---|\n")
        names = {r.code: r.name for r in report.rules}
        for f in report.findings:
            rule = f"`{f.code}` {names.get(f.code, '')}".strip()
            where = f"`{f.location}`" + (f" ({f.location.revision})" if f.location.revision else "")
            message = _cell(f.message) + (f"<br>💡 {_cell(f.hint)}" if f.hint else "")
            out.write(f"| {_ICONS[f.severity]} | {rule} | {where} | {message} |\n")
        out.write("\n")
    if report.skipped:
        out.write("<details><summary>Skipped checks</summary>\n\n")
        for skip in report.skipped:
            out.write(f"- {', '.join(skip.codes)}: {_cell(skip.reason)}\n")
        out.write("\n</details>\n\n")
    if several:
        out.write(f"### Environments ({len(report.environments)})\n\n| Environment | Revisions | Heads | Dialect | Findings |\n|---|---|---|---|---|\n")
        for env in report.environments:
            dialect = f"{env.get('dialect') or 'unknown'} ({env.get('dialect_reason', '')})"
            found = env.get("summary", {}).get("total", "")
            out.write(f"| `{_cell(env['label'])}` | {env.get('revisions', '')} | {_cell(', '.join(env.get('heads', [])))} "
                      f"| {_cell(dialect)} | {found} |\n")
        out.write("\n")
    elif graph is not None:
        heads = graph["heads"]
        out.write(f"### Heads ({len(heads)})\n\n")
        for h in heads:
            labels = f" [{', '.join(h['branch_labels'])}]" if h["branch_labels"] else ""
            message = f" — {_cell(h['message'])}" if h["message"] else ""
            path = f" (`{h['path']}`)" if h["path"] else ""
            out.write(f"- `{h['revision']}`{labels}{message}{path}\n")
        if not heads:
            out.write("- (no revisions)\n")
        shown = min(RECENT, graph["revisions"])
        out.write(f"\n### Recent history (last {shown} of {graph['revisions']} revisions)\n\n")
        out.write("```mermaid\n" + graph["mermaid"].rstrip("\n") + "\n```\n")
