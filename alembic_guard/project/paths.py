"""How paths of the analysed project are written in reports: relative to the project root, in posix
form, built cheaply for histories of thousands of files (`relpath`, `child`), and fit to print when a
file name holds bytes that are not UTF-8 (`display_name`). It owns path naming only: it must not
read, stat or walk anything (version folders are walked by alembic_guard.project.version_files).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath


def relpath(path: Path, root: Path) -> PurePosixPath:
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except (ValueError, OSError, RuntimeError):
        return PurePosixPath(os.path.relpath(path, root).replace(os.sep, "/"))


if sys.version_info < (3, 12) and hasattr(PurePosixPath, "_from_parsed_parts"):

    def child(parent: PurePosixPath, name: str) -> PurePosixPath:
        """`parent / name` for a plain file name, without re-parsing (3.10/3.11 pathlib)."""
        return PurePosixPath._from_parsed_parts(parent._drv, parent._root, [*parent._parts, name])  # type: ignore[attr-defined]

else:  # pragma: no cover - newer pathlib is fast enough

    def child(parent: PurePosixPath, name: str) -> PurePosixPath:
        return parent / name


def display_name(name: str) -> str:
    """A file name fit for reports: undecodable bytes (surrogate escapes) shown as `\\xNN`."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
