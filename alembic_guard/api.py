"""The one entry point the CLI, the GitHub Action and tests call: `check(settings) -> Report`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from alembic_guard import engine, rules
from alembic_guard.findings import Report
from alembic_guard.sandbox.database import ENV_DB_URL, ROUNDTRIP_PREFIX
from alembic_guard.project import Project
from alembic_guard.settings import Settings, load


def check(settings: Settings, progress: Callable[[str], None] | None = None) -> Report:
    """Load the project statically and run the selected rules. Raises GuardError if it cannot."""
    project = Project.load(settings)
    selected = rules.select(settings.select, settings.ignore)
    early = _early_database(settings, selected)
    try:
        report = engine.run(project, selected, progress=progress)
        if early is not None or any(r.kind == "roundtrip" for r in selected):
            from alembic_guard.sandbox.database import interrupted

            if interrupted():  # Ctrl-C whose KeyboardInterrupt was swallowed: never a report
                raise KeyboardInterrupt
        return report
    finally:
        if early is not None:
            early.discard()


def _early_database(settings: Settings, selected):
    """Start creating the round trip's database on a server URL now (see `EarlyDatabase`)."""
    if not any(r.kind == "roundtrip" for r in selected):
        return None
    spec = settings.db  # as open_sandbox reads it
    if spec in (None, "", "auto"):
        spec = settings.db_url or (os.environ.get(ENV_DB_URL) if spec == "auto" else None)
    if not spec or "://" not in spec:
        return None
    from alembic_guard.sandbox.database import EarlyDatabase

    return EarlyDatabase.start(spec, ROUNDTRIP_PREFIX)


def check_path(path: str | Path, **overrides) -> Report:
    """Convenience: settings from the project's pyproject plus overrides, then check()."""
    return check(load(Path(path), **overrides))
