"""The vocabulary of what goes wrong while reading a history: `LoadProblem` (a file or folder that
could not be read as a revision, or was skipped), the kinds AG003 reports (Alembic cannot load the
file) and AG005 reports (something in a version location is skipped), and the severity of the
informational kinds. It owns these values only: it must not read files or decide what is a problem
(alembic_guard.project.revision_file and alembic_guard.project.loader do).
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic_guard.findings import Location, Severity

# problem kinds reported by AG003 (Alembic cannot load the file) ...
ERROR_KINDS = frozenset({"syntax", "encoding", "empty", "unreadable", "not-a-revision", "incomplete-header", "bad-header"})
# ... and by AG005 (alembic-guard or Alembic skips something in a version location)
SKIP_KINDS = frozenset({"chained-subfolders", "nested-folder", "too-large", "directory", "symlinked-directory", "missing-location", "no-revisions", "special-file"})


@dataclass(frozen=True)
class LoadProblem:
    """A file (or folder) that could not be read as a revision, or was skipped."""

    kind: str  # one of ERROR_KINDS | SKIP_KINDS
    location: Location
    message: str
    hint: str | None = None


PROBLEM_SEVERITY = {"no-revisions": Severity.INFO, "chained-subfolders": Severity.INFO}
