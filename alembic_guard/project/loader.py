"""Walk the version locations and read each revision file with `ast`.

Problems with a file (not UTF-8, does not parse, empty, not a revision) become findings of the
meta family with file and line; nothing here raises for bad input, and nothing is imported.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from alembic_guard.findings import Location
from alembic_guard.project.migration import Migration, parse_migration

MAX_BYTES = 5 * 1024 * 1024  # a revision file larger than this is reported, not parsed


@dataclass(frozen=True)
class LoadProblem:
    """A file that could not be read as a revision: turned into an AG003/AG004 finding by the engine."""

    kind: str  # "syntax" | "encoding" | "unreadable" | "too-large" | "not-a-revision" | "empty"
    location: Location
    message: str
    hint: str | None = None


def relpath(path: Path, root: Path) -> PurePosixPath:
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return PurePosixPath(os.path.relpath(path, root).replace(os.sep, "/"))


def iter_revision_files(folder: Path, recursive: bool) -> Iterator[Path]:
    """Python files of a version location, sorted; symlink loops and unreadable dirs are skipped."""
    if not folder.is_dir():
        return
    if not recursive:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.name.endswith(".py") and not entry.name.startswith(".") and entry.name != "__init__.py":
                yield entry
        return
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            dirnames[:] = []
            continue
        seen.add(key)
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py") and not name.startswith(".") and name != "__init__.py":
                yield Path(dirpath) / name


def load_file(path: Path, root: Path) -> Migration | LoadProblem:
    rel = relpath(path, root)
    try:
        if path.is_dir():
            return LoadProblem("unreadable", Location(rel), f"`{rel}` is a directory named like a revision file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            return LoadProblem("too-large", Location(rel), f"`{rel}` is {size // 1024} KiB; files over {MAX_BYTES // 1024} KiB are not read")
        data = path.read_bytes()
    except OSError as exc:
        return LoadProblem("unreadable", Location(rel), f"cannot read `{rel}`: {exc.strerror or exc}")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return LoadProblem("encoding", Location(rel, line, 1), f"`{rel}` is not UTF-8 (byte {exc.start})", hint="save the file as UTF-8")
    if "\x00" in source:
        return LoadProblem("encoding", Location(rel, source[: source.index("\x00")].count("\n") + 1, 1), f"`{rel}` contains NUL bytes")
    if not source.strip():
        return LoadProblem("empty", Location(rel), f"`{rel}` is empty", hint="delete it, or restore the revision it held")
    try:
        tree = ast.parse(source, filename=str(rel))
    except SyntaxError as exc:
        return LoadProblem(
            "syntax",
            Location(rel, exc.lineno or 1, exc.offset or 1),
            f"`{rel}` does not parse: {exc.msg}",
            hint="fix the syntax error; Alembic cannot load this revision either",
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return LoadProblem("syntax", Location(rel), f"`{rel}` does not parse: {exc}")
    mig = parse_migration(path, rel, source, tree)
    if not mig.is_revision:
        return LoadProblem(
            "not-a-revision",
            Location(rel, 1, 1),
            f"`{rel}` has no module-level `revision = ...`: not a revision file",
            hint="move helper modules out of the versions folder, or name them starting with `_`",
        )
    return mig
