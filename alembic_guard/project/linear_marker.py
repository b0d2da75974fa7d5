"""The linear-history marker as the project states it: the committed `HEAD` file in the versions
folder naming the head(s), read and compared with the revision graph (AG111 asks `read`).

It owns the file's name, format and reading; it must not write the file (that is the
`linear-history update` workflow, `linear_history.update`) nor import anything above the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.errors import GuardError

MARKER_NAME = "HEAD"
HEADER = (
    "# alembic-guard linear history: the current head of the migrations in this folder.\n"
    "# Each new revision changes the line(s) below, so two branches adding migrations in parallel\n"
    "# conflict in git. Update it with `alembic-guard linear-history update` and commit it.\n"
)


@dataclass(frozen=True)
class MarkerState:
    path: Path
    exists: bool
    listed: tuple[str, ...]  # head ids named in the file
    expected: tuple[str, ...]  # the graph's heads
    line_of: dict  # head id -> line in the file

    @property
    def stale(self) -> bool:
        return self.exists and tuple(sorted(self.listed)) != tuple(sorted(self.expected))


def marker_path(project) -> Path:
    return project.layout.version_locations[0] / MARKER_NAME


def render(project) -> str:
    g = project.graph
    lines = []
    for head in g.heads:
        labels = sorted(g.labels_of(head))
        lines.append(head + (f"  # {', '.join(labels)}" if labels else ""))
    return HEADER + "\n".join(lines) + "\n"


def read(project) -> MarkerState:
    path = marker_path(project)
    expected = project.graph.heads
    try:
        text = reading.read_text(path, limit=reading.MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return MarkerState(path, False, (), expected, {})
    except (OSError, UnicodeDecodeError) as exc:
        raise GuardError(f"cannot read the linear-history marker {project.relpath(path)}: {exc}") from None
    listed, line_of = [], {}
    for number, raw in enumerate(text.splitlines(), start=1):
        value = raw.split("#", 1)[0].strip()
        if value.startswith(("<<<<<<<", "=======", ">>>>>>>")):
            value = ""
        if value:
            listed.append(value)
            line_of.setdefault(value, number)
    return MarkerState(path, True, tuple(listed), expected, line_of)
