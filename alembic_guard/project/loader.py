"""Load a whole history: `load_revisions` walks the layout's version locations the way Alembic does
(alembic_guard.project.version_files), reads every candidate once (alembic_guard.project.parallel_read,
alembic_guard.project.revision_file) and returns the `Migration`s with the `LoadProblem`s of the
history as a whole: missing version locations, sub-folders Alembic does not load, symlinked folders,
no revisions at all. It owns that policy and the order of the result: it must not read a file's
contents itself, import anything of the analysed project, or raise for bad input (only for a history
it cannot analyse at all: an unreadable folder, a compiled-only history).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path, PurePosixPath

from alembic_guard.errors import GuardError
from alembic_guard.findings import Location
from alembic_guard.project.constants import ConstantResolver
from alembic_guard.project.histories import headers
from alembic_guard.project.migration import Migration
from alembic_guard.project.parallel_read import read_files
from alembic_guard.project.paths import relpath
from alembic_guard.project.problems import LoadProblem
from alembic_guard.project.version_files import Entry, count_revision_files, iter_entries


def load_revisions(layout, jobs: int = 0) -> tuple[list[Migration], list[LoadProblem]]:
    """Every revision file of the layout's version locations, read statically, in Alembic's order.

    A file reachable twice (two locations overlapping, a symlink) is read once, as Alembic does.
    """
    enabled = gc.isenabled()
    gc.disable()  # only long-lived, acyclic objects are made here: collections would be wasted work
    try:
        return _load_revisions(layout, jobs)
    finally:
        if enabled:
            gc.enable()


def compiled_only(layout) -> list[Path]:
    """With `sourceless = true`, Alembic also loads revisions that exist only as `.pyc`/`.pyo`
    (beside the sources or in `__pycache__`): those files, which a static reader cannot read."""
    if str(layout.options.get("sourceless", "")).strip().lower() != "true":
        return []
    found = []
    for location in layout.version_locations:
        walker = os.walk(location) if layout.recursive else [next(os.walk(location), (str(location), [], []))]
        for here, _dirs, files in walker:
            if os.path.basename(here) == "__pycache__":
                continue
            stems = {f.split(".")[0] for f in files if f.endswith(".py")}
            found += [Path(here, f) for f in files if f.endswith((".pyc", ".pyo")) and f.split(".")[0] not in stems]
            cache = Path(here, "__pycache__")
            if cache.is_dir():
                found += [p for p in sorted(cache.iterdir()) if p.suffix in (".pyc", ".pyo") and p.name.split(".")[0] not in stems]
    return sorted(found)


def _load_revisions(layout, jobs: int = 0) -> tuple[list[Migration], list[LoadProblem]]:
    root = layout.root
    compiled = compiled_only(layout)
    if compiled:
        raise GuardError(
            f"`sourceless = true` and {len(compiled)} revision{'s exist' if len(compiled) != 1 else ' exists'} only as "
            f"compiled Python ({relpath(compiled[0], root)}{', ...' if len(compiled) > 1 else ''}): alembic-guard reads "
            "revisions from their source and cannot analyse a compiled history",
            hint="run alembic-guard on the source tree the .pyc files were built from (where the revisions are .py files)",
        )
    resolver = ConstantResolver(layout.module_roots)
    migrations: list[Migration] = []
    problems: list[LoadProblem] = []
    seen: set[tuple[int, int]] = set()
    todo: list[Entry] = []
    for folder in layout.version_locations:
        folder_rel = relpath(folder, root)
        if not folder.is_dir():
            problems.append(LoadProblem(
                "missing-location",
                Location(relpath(layout.ini_path, root) if layout.ini_path else folder_rel),
                f"version location `{folder_rel}` "
                + ("is not a folder" if folder.exists() else "does not exist")
                + "; Alembic silently skips it",
                hint="fix version_locations (check its path_separator) or create the folder",
            ))
            continue
        nested: list[tuple[Entry, int]] = []
        top_files = 0
        for entry in iter_entries(folder, folder_rel, layout.recursive):
            if entry.kind == "nested-folder":
                count = count_revision_files(Path(entry.path))
                if count:
                    nested.append((entry, count))
                continue
            top_files += entry.kind == "file"
            if entry.kind == "symlinked-directory":
                problems.append(LoadProblem(
                    "symlinked-directory",
                    Location(entry.rel),
                    f"`{entry.rel}` is a symlinked folder; Alembic does not follow it, so revisions in it are not loaded",
                    hint="move the revisions into the version location, or list the folder in version_locations",
                ))
                continue
            key = entry.key  # plain files: known from the listing, no stat needed
            if key is None and entry.kind == "file":
                try:
                    st = os.stat(entry.path)
                    key = (st.st_dev, st.st_ino)
                except OSError:
                    key = None
            if key is not None:
                if key in seen:
                    continue  # the same file twice (overlapping locations, a symlink): read once
                seen.add(key)
            todo.append(entry)
        problems.extend(_nested_problems(nested, folder_rel, independent=not top_files and _independent(nested)))
    if getattr(layout, "recursive_reason", ""):
        problems.append(LoadProblem(
            "chained-subfolders",
            Location(relpath(layout.ini_path, root) if layout.ini_path else relpath(layout.script_location, root)),
            layout.recursive_reason,
            hint="plain `alembic` needs `recursive_version_locations = true` (or the project's own tooling) to load "
            "them; set [[tool.alembic-guard.environments]] to state the layout explicitly (docs/environments.md)",
        ))
    for mig, problem in read_files(todo, root, resolver, jobs):
        if mig is not None:
            migrations.append(mig)
        if problem is not None:
            problems.append(problem)
    if not migrations and not problems:
        where = ", ".join(f"`{relpath(f, root)}`" for f in layout.version_locations)
        problems.append(LoadProblem(
            "no-revisions",
            Location(relpath(layout.ini_path, root) if layout.ini_path else relpath(layout.script_location, root)),
            f"no revision files in {where}",
            hint="nothing to check yet; if revisions exist elsewhere, set version_locations",
        ))
    return migrations, problems


def _independent(nested: list) -> bool:
    """Whether sub-folders are complete, independent histories (each its own base, every parent
    inside it): `versions/postgresql` + `versions/sqlite`, one chosen at run time."""
    if len(nested) < 2:
        return False
    for entry, _count in nested:
        ids, parents, base = headers(Path(entry.path))
        if not ids or not base or not parents <= ids:
            return False
    return True


def _nested_problems(nested: list, folder_rel: PurePosixPath, independent: bool) -> list[LoadProblem]:
    """AG005 for sub-folders Alembic does not load. The hint depends on what they are: for
    independent histories `recursive_version_locations` would merge them (duplicate ids, several
    bases), so it is not what to do."""
    out = []
    names = ", ".join(f"`{e.rel}`" for e, _c in nested)
    for entry, count in nested:
        if independent:
            hint = (f"{names} are {len(nested)} complete, independent histories (the project picks one at run time): "
                    "do not set recursive_version_locations (it would merge them); run `alembic-guard check` on the "
                    "repository to check each, or declare them in [[tool.alembic-guard.environments]] (docs/environments.md)")
        else:
            hint = (f"set `recursive_version_locations = true` in alembic.ini, or move the files up into `{folder_rel}` "
                    "(if the project's own tooling sets version_locations, declare them in "
                    "[[tool.alembic-guard.environments]]: docs/environments.md)")
        out.append(LoadProblem(
            "nested-folder",
            Location(entry.rel),
            f"`{entry.rel}` holds {count} .py file{'s' if count != 1 else ''} that Alembic does not load: "
            "recursive_version_locations is off",
            hint=hint,
        ))
    return out
