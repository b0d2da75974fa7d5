"""One Alembic environment as a value (`Environment`: a layout, a label, the command-line flags that
select it alone, notes), and what reports and error hints say about environments (`environment_info`,
`listing`). It owns these words only: it must not find, read or change environments (discovery is
alembic_guard.project.discover; sub-histories alembic_guard.project.histories; pyproject overrides
alembic_guard.project.overrides).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Environment:
    """One Alembic environment: its layout (as `locate` builds it) and how it was found."""

    layout: Any  # AlembicLayout
    label: str  # e.g. "src/dispatch/alembic.ini [core]" or "migrations"
    flags: str  # the command-line flags that select it alone, e.g. "-c src/dispatch/alembic.ini -n core"
    notes: tuple[str, ...] = ()


def environment_info(env, project, report=None) -> dict:
    """What reports say about one environment (JSON `environments`, text headings)."""
    layout = project.layout
    rel = project.relpath
    graph = project.graph
    info = {
        "label": project.label,
        "ini": str(rel(layout.ini_path)) if layout.ini_path else None,
        "section": layout.section if layout.ini_path else None,
        "script_location": str(rel(layout.script_location)),
        "version_locations": [str(rel(v)) for v in layout.version_locations],
        "recursive_version_locations": layout.recursive,
        "dialect": project.dialect,
        "dialect_reason": project.dialect_reason,
        "app_root": str(rel(project.app_root)),
        "revisions": len(project.migrations),
        "heads": list(graph.heads),
        "flags": getattr(env, "flags", "") or "",
        "notes": list(getattr(env, "notes", ()) or ()),
    }
    if report is not None:
        info["summary"] = {"total": len(report.findings), **report.counts()}
        info["report"] = report
    return info


def listing(envs: tuple[Environment, ...] | list[Environment]) -> str:
    """The candidates with the flags that pick each, for an error's hint."""
    width = max((len(e.label) for e in envs), default=0)
    return "\n".join(f"{e.label.ljust(width)}   {e.flags}" for e in envs)
