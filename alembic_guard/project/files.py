"""The project's own Python files: one walker for every analysis that reads application code
(models for AG2xx, the application audit for AG5xx, `alembic-guard pool`).

Each caller keeps its own policy (which folder names to skip on top of the common ones, which
files to keep); the mechanism is shared: hidden folders, virtualenvs (any folder holding a
`pyvenv.cfg`), site-packages and build output are never entered, `exclude_dirs` (e.g. the
migrations' version folders) are pruned, and `exclude` globs are matched one way everywhere.
Nothing found is imported.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable
from pathlib import Path

SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "site-packages", "dist-packages", "build", "dist", "venv", "virtualenv", "env", ".eggs"}
)


def glob_match(rel: str, patterns: Iterable[str]) -> bool:
    """`rel` (a posix path relative to the project root) matches an `exclude` glob: the path itself,
    anything under a matching folder, or — for a pattern without `/` — any single path part."""
    parts = rel.split("/")
    for pat in patterns:
        pat = pat.rstrip("/")
        if not pat:
            continue
        if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat + "/*"):
            return True
        if "/" not in pat and any(fnmatch.fnmatch(p, pat) for p in parts):
            return True
    return False


def app_starts(app_paths: Iterable[str], root: Path) -> list[Path]:
    """The `app-paths` setting as folders/files to walk: each must exist (SettingsError, exit 2).
    Values from the project's own pyproject.toml are also confined to the repository, when the
    settings are read (`settings.load`); a path given on the command line is the user's choice."""
    from alembic_guard.errors import SettingsError

    root = Path(os.path.abspath(root))
    starts = []
    for p in app_paths:
        start = Path(os.path.abspath(root / p))
        if not start.exists():
            raise SettingsError(f"--app-path / app-paths {p!r}: no such file or folder ({start})", key="app_paths",
                                hint="pass a folder or .py file of the application, relative to the project root")
        starts.append(start)
    return starts


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def python_files(
    starts: Iterable[Path],
    *,
    root: Path,
    skip_dirs: Iterable[str] = (),
    exclude_dirs: Iterable[Path] = (),
    exclude_globs: Iterable[str] = (),
    keep_file: Callable[[str], bool] | None = None,
    skipped: list[tuple[Path, str]] | None = None,
) -> list[Path]:
    """Sorted, de-duplicated absolute paths of the `.py` files under `starts` (a start that is a
    file is taken as it is). `skip_dirs` adds folder names to SKIP_DIRS; `keep_file(name)` may
    drop files by name (e.g. tests). A folder this user may not read (a database volume owned by
    another user, chmod 000) is not entered: it is added to `skipped` as (path, reason), for the
    caller's note, and never fails the walk."""

    def unreadable(err: OSError) -> None:
        if skipped is not None and err.filename:
            skipped.append((Path(err.filename), err.strerror or str(err)))

    root = Path(os.path.abspath(root))
    skip = SKIP_DIRS | frozenset(skip_dirs)
    excluded = {Path(os.path.realpath(d)) for d in exclude_dirs}
    globs = tuple(exclude_globs)
    out: set[Path] = set()
    for start in starts:
        start = Path(os.path.abspath(start))
        if start.is_file():
            out.add(start)
            continue
        for dirpath, dirnames, filenames in os.walk(start, onerror=unreadable):
            here = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                full = here / d
                if d.startswith(".") or d in skip:
                    continue
                if not os.access(full, os.R_OK | os.X_OK):
                    if skipped is not None:
                        skipped.append((full, "permission denied"))
                    continue
                try:
                    if (full / "pyvenv.cfg").exists():
                        continue
                except OSError:
                    pass
                if excluded and Path(os.path.realpath(full)) in excluded:
                    continue
                if globs and glob_match(_rel(full, root), globs):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in filenames:
                if not name.endswith(".py") or (keep_file is not None and not keep_file(name)):
                    continue
                full = here / name
                if globs and glob_match(_rel(full, root), globs):
                    continue
                out.add(full)
    return sorted(out)
