"""Inline suppressions: `# alembic-guard: ignore[AG410] reason` on the flagged line (or alone on
the line above it), and `# alembic-guard: ignore-file[AG4] reason` anywhere in a file's first
comment block. A code (or prefix) is required; each suppression records whether it was used, so
unused ones (AG001) and unknown codes (AG002) can be reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from alembic_guard.findings import Finding

_RE = re.compile(r"#\s*alembic-guard:\s*(?P<kind>ignore-file|ignore)(?:\[(?P<codes>[^\]]*)\])?(?P<reason>[^#\n]*)")


@dataclass
class Suppression:
    path: PurePosixPath
    line: int  # line of the comment
    applies_to: int | None  # line it covers (None: whole file)
    codes: tuple[str, ...]
    reason: str
    used: set[str] = field(default_factory=set)

    def matches(self, finding: Finding) -> bool:
        if finding.location.path != self.path:
            return False
        if self.applies_to is not None and finding.location.line != self.applies_to:
            return False
        return any(finding.code.startswith(c) for c in self.codes)


def parse(path: PurePosixPath, source: str) -> list[Suppression]:
    if "alembic-guard:" not in source:
        return []
    out: list[Suppression] = []
    lines = source.splitlines()
    for idx, text in enumerate(lines, start=1):
        if "alembic-guard:" not in text:
            continue
        m = _RE.search(text)
        if not m:
            continue
        codes = tuple(c.strip().upper() for c in (m.group("codes") or "").split(",") if c.strip())
        before = text[: m.start()].strip()
        if m.group("kind") == "ignore-file":
            applies: int | None = None
        elif before:
            applies = idx
        else:  # a comment alone on its line covers the next non-blank line
            applies = idx + 1
            while applies <= len(lines) and not lines[applies - 1].strip():
                applies += 1
        out.append(Suppression(path, idx, applies, codes, m.group("reason").strip()))
    return out
