"""Paths as the reader of an output sees them."""

from __future__ import annotations

import os
from pathlib import Path


def path_prefix(root: Path) -> str:
    """Where the project root is, seen from where the tool runs: "" or "backend/".

    Findings carry project-relative paths. Formats read by tools working from the repository
    checkout (text in a terminal, GitHub annotations, SARIF upload) need paths relative to that
    directory: `$GITHUB_WORKSPACE` when set, else the current directory. A project outside it
    keeps project-relative paths.
    """
    base = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    try:
        rel = Path(root).resolve().relative_to(Path(base).resolve())
    except (ValueError, OSError):
        return ""
    text = rel.as_posix()
    return "" if text in ("", ".") else text + "/"
