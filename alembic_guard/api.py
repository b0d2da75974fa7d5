"""The one entry point the CLI, the GitHub Action and tests call: `check(settings) -> Report`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic_guard import engine, rules
from alembic_guard.findings import Report
from alembic_guard.project import Project
from alembic_guard.settings import Settings, load


def check(settings: Settings, progress: Callable[[str], None] | None = None) -> Report:
    """Load the project statically and run the selected rules. Raises GuardError if it cannot."""
    project = Project.load(settings)
    selected = rules.select(settings.select, settings.ignore)
    return engine.run(project, selected, progress=progress)


def check_path(path: str | Path, **overrides) -> Report:
    """Convenience: settings from the project's pyproject plus overrides, then check()."""
    return check(load(Path(path), **overrides))
