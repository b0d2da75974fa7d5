"""Render the models analysis for `alembic-guard models`: what autogenerate will see."""

from __future__ import annotations

import json
from typing import TextIO

from alembic_guard.models import ModelsAnalysis


def as_dict(analysis: ModelsAnalysis) -> dict:
    t = analysis.target
    return {
        "env_py": str(analysis.env_rel),
        "target_metadata": {
            "status": t.status,
            "expression": t.expression,
            "line": t.line,
            "reason": t.reason,
            "metadatas": analysis.facts()["target_metadata"],
        },
        "app_entry_points": [str(analysis.rel(p)) for p in analysis.entry_points],
        "models": [
            {
                "name": m.name,
                "kind": m.kind,
                "table": m.fullname,
                "metadata": m.metadata.label,
                "path": str(analysis.rel(m.path)),
                "line": m.line,
                "own_table": m.owns_table,
                "imported_by_env": analysis.registered(m),
                "on_target_metadata": analysis.on_target(m) if t.status == "ok" else None,
            }
            for m in analysis.models
        ],
        # files and folders that could not be read or parsed: their models are unknown
        "unreadable": analysis.facts()["unreadable"],
    }


def render_text(analysis: ModelsAnalysis, out: TextIO) -> None:
    t = analysis.target
    out.write(f"env.py: {analysis.env_rel}\n")
    if t.status == "ok":
        shown = ", ".join(
            f"{m.label} ({analysis.rel(m.path)}:{m.line})" if m.path is not None else m.label for m in t.metadatas
        )
        out.write(f"target_metadata: {shown}\n")
    else:
        what = f"`{t.expression}`" if t.expression else ""
        out.write(f"target_metadata: {t.status} {what} {('- ' + t.reason) if t.reason else ''}".rstrip() + "\n")
    if analysis.entry_points:
        out.write("app entry points (Flask-Migrate): " + ", ".join(str(analysis.rel(p)) for p in analysis.entry_points) + "\n")
    seen = sum(1 for m in analysis.models if analysis.registered(m) and (t.status != "ok" or analysis.on_target(m)))
    out.write(f"models: {len(analysis.models)} ({seen} seen by autogenerate)\n")
    rows = []
    for m in analysis.models:
        if not analysis.registered(m):
            state = "MISSING: not imported by env.py"
        elif t.status == "ok" and not analysis.on_target(m):
            state = "OTHER METADATA"
        else:
            state = "ok"
        table = m.fullname or "(computed)"
        if not m.owns_table:
            table += " (inherited)" if m.kind == "class" else ""
        rows.append((state, m.name, table, m.metadata.label, f"{analysis.rel(m.path)}:{m.line}"))
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(5)]
    for r in rows:
        out.write("  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n")
    for p, err, line in analysis.unreadable:  # a folder owned by another user, a FIFO, a syntax error
        out.write(f"not read: {analysis.rel(p)}{f':{line}' if line else ''} - {err}\n")


def render_json(analysis: ModelsAnalysis, out: TextIO) -> None:
    out.write(json.dumps(as_dict(analysis), indent=2) + "\n")


RENDERERS = {"text": render_text, "json": render_json}
