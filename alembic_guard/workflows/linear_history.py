"""Opt-in linear-history marker: a committed `HEAD` file in the versions folder naming the head(s).

Every new revision changes the marker's last line, so two branches that each add a migration both
edit the same line and git reports a merge conflict — the second head shows up as a conflict in
the pull request instead of a failed `alembic upgrade head` at deploy time. (The same idea as
django-linear-migrations' `max_migration.txt`.)

Create it with `alembic-guard linear-history update`; AG111 flags a marker that no longer names
the current head(s).
"""

from __future__ import annotations

from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.errors import GuardError
from alembic_guard.project import Project
from alembic_guard.project.linear_marker import (  # noqa: F401  (the marker's vocabulary, re-exported)
    HEADER,
    MARKER_NAME,
    MarkerState,
    marker_path,
    read,
    render,
)


def update(project: Project) -> tuple[Path, bool]:
    """Write the marker; returns (path, changed)."""
    path = marker_path(project)
    if not path.parent.is_dir():
        raise GuardError(f"{project.relpath(path.parent)}: the versions folder does not exist")
    text = render(project)
    try:
        old = reading.read_text(path, limit=reading.MAX_CONFIG_BYTES)
    except (FileNotFoundError, UnicodeDecodeError):
        old = None
    if old == text:
        return path, False
    path.write_text(text, encoding="utf-8")
    return path, True
