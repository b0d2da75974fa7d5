"""Version locations whose revision files sit in sub-folders while `recursive_version_locations` is
off, read as the project uses them — only when the project's own code sets `version_locations`
(env.py, or a module beside the script location or the ini: its migration CLI); otherwise the loader
reports the sub-folders Alembic skips (AG005). Sub-folders that are each a complete history (their
own base, every parent inside the sub-folder, nothing at the top: `versions/postgresql` +
`versions/sqlite`) become one environment each; sub-folders chained into one history (release
folders `versions/<release>/{expand,contract}`) are read as one recursive history, with an AG005
info finding saying that plain `alembic` does not see them without the project's tooling. It owns
this decision and the cheap text reads it rests on (`headers`, `mentions`): it must not parse
revision files properly (the loader does) or import anything.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.project.environment import Environment
from alembic_guard.project.paths import relpath
from alembic_guard.project.version_files import is_revision_name

_REV_RE = re.compile(rb"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_RE = re.compile(rb"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


def mentions(path: Path, needle: bytes, limit: int = 256 * 1024) -> bool:
    """Whether the first `limit` bytes of `path` hold `needle`."""
    return needle in reading.read_head(path, limit)  # a FIFO or device is never opened for reading


def headers(folder: Path) -> tuple[set[str], set[str], bool]:
    """(revision ids, parent ids, whether one is a base) of the revision files under `folder`,
    read with a regex (cheap, only to decide how sub-folders relate; the real load reads them
    properly)."""
    ids: set[str] = set()
    parents: set[str] = set()
    base = False
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
        for name in filenames:
            if not is_revision_name(name):
                continue
            data = reading.read_head(os.path.join(dirpath, name), 64 * 1024)
            if not data:
                continue
            m = _REV_RE.search(data)
            if m:
                ids.add(m.group(1).decode("utf-8", "replace"))
            d = _DOWN_RE.search(data)
            if d:
                parents.update(x.decode("utf-8", "replace") for x in re.findall(rb"['\"]([^'\"]+)['\"]", d.group(1)))
                base = base or d.group(1).split(b"#")[0].strip() in (b"None", b"()", b"[]")
    return ids, parents, base


def _subfolders(location: Path) -> tuple[list[Path], bool]:
    """Sub-folders of a version location that hold revision files, and whether the location
    itself holds any."""
    subs: list[Path] = []
    top = False
    try:
        entries = sorted(os.scandir(location), key=lambda e: e.name)
    except OSError:
        return [], False
    for e in entries:
        try:
            if e.is_file() and is_revision_name(e.name):
                top = True
            elif e.is_dir(follow_symlinks=False) and e.name != "__pycache__" and not e.name.startswith("."):
                if any(is_revision_name(f) for _d, _s, fs in os.walk(e.path) for f in fs):
                    subs.append(Path(e.path))
        except OSError:
            continue
    return subs, top


def split_histories(env: Environment) -> list[Environment]:
    """An environment whose non-recursive version locations hold revision files in sub-folders:
    one environment per complete independent history, or one recursive history (see the module docstring)."""
    layout = env.layout
    if layout.recursive:
        return [env]
    subs: list[Path] = []
    any_top = False
    for loc in layout.version_locations:
        s, top = _subfolders(loc)
        subs += s
        any_top = any_top or top
    if not subs or not sets_locations_in_code(layout):
        return [env]  # nothing there, or nothing in the project's code picks the folders: AG005 reports them
    heads = {sub: headers(sub) for sub in subs}
    independent = not any_top and len(subs) >= 2 and all(
        ids and parents <= ids and base for ids, parents, base in heads.values()
    )
    if independent:
        out = []
        for sub in subs:
            sub_rel = str(relpath(sub, layout.root))
            label = f"{env.label} ({relpath(sub, layout.script_location)})"
            note = (f"{sub_rel} is one of {len(subs)} complete, independent histories ("
                    f"{', '.join(s.name for s in subs)}) the project chooses from at run time: checked as its own environment")
            out.append(Environment(replace(layout, version_locations=(sub,), label=label, recursive=_nested(sub)),
                                   label, env.flags, (*env.notes, note)))
        return out
    rels = ", ".join(str(relpath(s, layout.root)) for s in subs)
    reason = (f"revision files in sub-folders ({rels}) chain into one history, but recursive_version_locations is off: "
              "read as one history; plain `alembic` sees them only through the project's own tooling "
              "(which sets version_locations in code)")
    # (said once, as an AG005 info finding: alembic_guard.project.loader)
    return [Environment(replace(layout, recursive=True, recursive_reason=reason), env.label, env.flags, env.notes)]


def sets_locations_in_code(layout) -> bool:
    """Whether the project's own code chooses version folders (`version_locations` set in env.py,
    or in a module beside the script location or the ini: the project's migration CLI)."""
    folders = [Path(layout.script_location), Path(layout.script_location).parent]
    if layout.ini_path is not None:
        folders.append(Path(layout.ini_path).parent)
    for folder in dict.fromkeys(folders):
        try:
            names = sorted(p for p in folder.iterdir() if p.suffix == ".py")[:200]
        except OSError:
            continue
        for path in names:
            if mentions(path, b"version_locations"):
                return True
    return False


def _nested(folder: Path) -> bool:
    try:
        return any(e.is_dir(follow_symlinks=False) and e.name != "__pycache__" for e in os.scandir(folder))
    except OSError:
        return False
