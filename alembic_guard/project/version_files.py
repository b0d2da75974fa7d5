"""Which entries of a version location are revision-file candidates, in Alembic's order: like
Alembic's `Script._list_py_dir`, every `*.py` name not starting with `.#` or `__init__`, sorted per
folder; sub-folders only with `recursive_version_locations`, and symlinked folders are not followed
(Alembic's `os.walk` does not follow them either: the loader says so, as AG005). It owns listing
folders (`iter_entries`, `count_revision_files`): it must not open or read a candidate (that is
alembic_guard.project.revision_file), and it raises only when a versions folder cannot be read at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from alembic_guard.errors import GuardError
from alembic_guard.project.paths import child, display_name


def is_revision_name(name: str) -> bool:
    """Alembic's `_only_source_rev_file`: `*.py`, not an editor lock file, not `__init__*`."""
    return name.endswith(".py") and not name.startswith(".#") and not name.startswith("__init__")


class Entry(NamedTuple):
    path: str
    rel: PurePosixPath
    kind: str = "file"  # file | directory | symlinked-directory | nested-folder
    key: tuple[int, int] | None = None  # (device, inode) of a plain file, from the directory listing


def current_user() -> str:
    """This process's user, for a permission hint."""
    try:
        import pwd  # optional dependency: the module does not exist on Windows

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return f"uid {os.geteuid()}" if hasattr(os, "geteuid") else "this user"


def iter_entries(folder: Path, rel: PurePosixPath, recursive: bool) -> Iterator[Entry]:
    """Revision-file candidates of one version location, in Alembic's order.

    Plain files are identified by the directory listing alone (type and inode, no `stat`);
    symlinks and other special entries are left to `load_file`, which stats them.
    """
    stack = [(str(folder), rel)]
    while stack:
        here, here_rel = stack.pop()
        try:
            dev = os.stat(here).st_dev
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            # Not "no revisions": the history cannot be read, so nothing about it can be said.
            raise GuardError(
                f"cannot read the versions folder `{here_rel}`: permission denied",
                hint=f"make it readable (and searchable) by this user ({current_user()}), e.g. chmod u+rx, "
                "or run as its owner",
            ) from None
        except OSError:
            continue
        subdirs = []
        for e in entries:
            name = e.name
            try:
                if e.is_file(follow_symlinks=False):
                    if is_revision_name(name):
                        yield Entry(e.path, child(here_rel, display_name(name)), "file", (dev, e.inode()))
                    continue
                is_dir = e.is_dir()  # follows symlinks, like os.walk's classification
            except OSError:
                is_dir = False  # a symlink loop or dangling link: a "file" to os.walk
            if is_dir:
                try:
                    link = e.is_symlink()
                except OSError:
                    link = False
                if recursive:
                    if link:
                        yield Entry(e.path, child(here_rel, display_name(name)), "symlinked-directory")
                    elif name != "__pycache__":
                        subdirs.append((e.path, child(here_rel, display_name(name))))
                elif is_revision_name(name):
                    yield Entry(e.path, child(here_rel, display_name(name)), "directory")
                elif name != "__pycache__" and not name.startswith("."):
                    yield Entry(e.path, child(here_rel, display_name(name)), "nested-folder")
                continue
            if is_revision_name(name):
                yield Entry(e.path, child(here_rel, display_name(name)))
        if recursive:
            stack.extend(reversed(subdirs))


def iter_revision_files(folder: Path, recursive: bool) -> Iterator[Path]:
    """Paths of the revision-file candidates (kept for callers that only want files)."""
    for entry in iter_entries(folder, PurePosixPath(folder.name), recursive):
        if entry.kind == "file":
            yield Path(entry.path)


def count_revision_files(folder: Path, limit: int = 10_000) -> int:
    """Revision-like files under a folder Alembic does not walk (bounded; symlinks not followed)."""
    count = 0
    for _dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        count += sum(1 for f in filenames if is_revision_name(f))
        if count >= limit:
            break
    return count
