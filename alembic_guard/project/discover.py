"""Every Alembic environment below a folder, found statically (nothing is imported).

`alembic-guard check <repository root>` (also `graph`, `models`) needs no flags: it walks the
folder and analyses each environment it finds, reporting per environment. What counts as one:

- each section of an ini file (`alembic.ini`, or any `*.ini` whose name contains "alembic") that
  sets `script_location` — `[alembic]` and named sections such as `[core]`/`[tenant]` that
  `alembic -n core` selects; an `[alembic]` section without `script_location` in a folder holding
  `env.py` is Flask-Migrate's `migrations/alembic.ini` (the folder is the script location);
- `[tool.alembic]` in a `pyproject.toml` (Alembic ≥ 1.16);
- a folder holding `env.py` (which mentions alembic) and a `versions/` folder that no ini claims:
  Flask-Migrate without an ini, or projects whose own code passes the folder to Alembic — unless
  an ini above the given folder (up to the project root) names it: then it is that ini's section.

`package:path` and `package:sub:path` script locations are resolved from the repository's own
packages — the folder above the package chain holding the ini, the project root (pyproject.toml,
setup.py, .git) and its `src/` — never by importing. The walk skips early: hidden folders
(`.git`...), virtual environments (a folder holding `pyvenv.cfg`), `node_modules`,
`site-packages`, `__pycache__`, vendored and build output (`vendor`, `build`, `dist`,
`*.egg-info`...).

Version locations whose revision files sit in sub-folders while `recursive_version_locations` is
off (the project's own tooling sets the folders in code) are read as the project uses them:

only when the project's code sets `version_locations` itself (env.py, or a module beside the
script location or the ini — its migration CLI); otherwise AG005 reports the sub-folders Alembic
skips:

- sub-folders that are each a complete history (their own base, every parent inside the
  sub-folder, nothing at the top: `versions/postgresql` + `versions/sqlite`) are one environment
  each;
- sub-folders chained into one history (release folders `versions/<release>/{expand,contract}`)
  are read as one recursive history, with an AG005 info finding saying that plain `alembic` does
  not see them without the project's tooling.

`[[tool.alembic-guard.environments]]` entries in pyproject.toml override this per environment
(see docs/environments.md).

An ini that cannot be used (not valid, a `script_location` that is a template such as
`{alembic_dir}` filled in by the project's code) is listed as ignored with its reason, never
silently dropped; when no environment is left, the error lists what was found.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from alembic_guard import reading
from alembic_guard.errors import ProjectNotFound

SKIP_DIR_NAMES = frozenset({
    "node_modules", "__pycache__", "site-packages", "dist-packages", "build", "dist", "vendor", "vendored",
    "_vendor", "third_party", "bower_components", "htmlcov", "venv", "virtualenv",
})
_TEMPLATE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_REV_RE = re.compile(rb"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_RE = re.compile(rb"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


@dataclass(frozen=True)
class Environment:
    """One Alembic environment: its layout (as `locate` builds it) and how it was found."""

    layout: Any  # AlembicLayout
    label: str  # e.g. "src/dispatch/alembic.ini [core]" or "migrations"
    flags: str  # the command-line flags that select it alone, e.g. "-c src/dispatch/alembic.ini -n core"
    notes: tuple[str, ...] = ()


@dataclass
class Found:
    """What the walk saw (candidates, before they are turned into environments)."""

    inis: list[Path] = field(default_factory=list)
    pyprojects: list[Path] = field(default_factory=list)
    script_dirs: list[Path] = field(default_factory=list)
    broken: list[tuple[Path, str]] = field(default_factory=list)  # an alembic ini that is not a regular file
    files: int = 0


@dataclass(frozen=True)
class Discovery:
    environments: tuple[Environment, ...]
    ignored: tuple[tuple[str, str], ...]  # (path label, reason)
    searched: Path


# ---------------------------------------------------------------------- the walk
def walk(root: Path) -> Found:
    """One pass over the tree with os.scandir, pruning early (see the module docstring)."""
    found = Found()
    stack = [str(root)]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = list(it)
        except OSError:
            continue
        names = {e.name for e in entries}
        if "pyvenv.cfg" in names and here != str(root):
            continue  # a virtual environment
        found.files += len(entries)
        if "env.py" in names and ("versions" in names or "script.py.mako" in names):
            found.script_dirs.append(Path(here))
        for e in entries:
            name = e.name
            if name.endswith(".ini") and "alembic" in name.lower():
                why = reading.problem(e.path)  # a folder, FIFO, device or symlink loop by that name
                if why:
                    found.broken.append((Path(e.path), why))
                    continue
            try:
                if e.is_dir(follow_symlinks=False):
                    if name.startswith(".") or name in SKIP_DIR_NAMES or name.endswith(".egg-info"):
                        continue
                    stack.append(e.path)
                    continue
            except OSError:
                continue
            if name.endswith(".ini") and "alembic" in name.lower():
                found.inis.append(Path(e.path))
            elif name == "pyproject.toml":
                found.pyprojects.append(Path(e.path))
    found.inis.sort()
    found.pyprojects.sort()
    found.script_dirs.sort()
    return found


def _mentions(path: Path, needle: bytes, limit: int = 256 * 1024) -> bool:
    return needle in reading.read_head(path, limit)  # a FIFO or device is never opened for reading


# ---------------------------------------------------------------------- environments
def discover(root: Path, settings=None) -> Discovery:
    """Every environment below `root` (a folder). Paths in the layouts are reported relative to `root`."""
    from alembic_guard.project.loader import relpath
    from alembic_guard.project.locate import _layout, _section, _toml_section, read_ini

    root = root.absolute()
    found = walk(root)
    if found.broken:  # never silently ignored: the project's own configuration cannot be read
        path, why = found.broken[0]
        raise ProjectNotFound(f"{path}: {why}", searched=tuple(p for p, _ in found.broken),
                              hint="make it a regular alembic.ini file (a folder, FIFO, device or symlink loop by that name is never read)")
    envs: list[Environment] = []
    ignored: list[tuple[str, str]] = []
    claimed: set[Path] = set()

    def rel(p: Path) -> str:
        return str(relpath(p, root))

    for ini in found.inis:
        try:
            parser = read_ini(ini)
        except ProjectNotFound as exc:
            ignored.append((rel(ini), str(exc)))
            continue
        pyproject = ini.parent / "pyproject.toml"
        toml_opts = None
        if pyproject.is_file() and _mentions(pyproject, b"tool.alembic]"):
            try:
                toml_opts = _toml_section(pyproject)
            except Exception as exc:  # noqa: BLE001 - a bad pyproject is reported, not fatal here
                ignored.append((rel(pyproject), str(exc)))
        sections = [s for s in parser.sections() if parser.has_option(s, "script_location")]
        if not sections and parser.has_section("alembic") and toml_opts and toml_opts.get("script_location"):
            sections = ["alembic"]
        flask = not parser.has_option("alembic", "script_location") and (ini.parent / "env.py").is_file()
        if flask and "alembic" not in sections:
            sections.insert(0, "alembic")
        if not sections:
            ignored.append((rel(ini), "no section sets script_location (and no env.py beside it)"))
            continue
        for section in sections:
            opts = _section(parser, section) or {}
            value = opts.get("script_location", "")
            if _TEMPLATE.search(value or ""):
                ignored.append((f"{rel(ini)} [{section}]",
                                f"script_location {value!r} is a template the project's code fills in at run time"))
                continue
            flags = f"-c {rel(ini)}" + (f" -n {section}" if section != "alembic" else "")
            try:
                if flask and section == "alembic":
                    layout = _layout(opts, None, base=ini.parent, root=root, ini=ini, pyproject=None, section=section,
                                     source=f"{ini} (Flask-Migrate layout)", script_override=ini.parent.absolute())
                else:
                    layout = _layout(opts, toml_opts if section == "alembic" else None, base=ini.parent, root=root,
                                     ini=ini, pyproject=pyproject if (toml_opts and section == "alembic") else None,
                                     section=section, source=f"{ini} [{section}]")
            except ProjectNotFound as exc:
                ignored.append((f"{rel(ini)} [{section}]", exc.message))
                continue
            label = rel(ini) + (f" [{section}]" if len(sections) > 1 or section != "alembic" else "")
            claimed.add(layout.script_location.resolve())
            envs.append(Environment(replace(layout, label=label), label, flags))

    for pyproject in found.pyprojects:
        if (pyproject.parent / "alembic.ini").is_file() or not _mentions(pyproject, b"tool.alembic]"):
            continue
        try:
            toml_opts = _toml_section(pyproject)
            if not toml_opts or not toml_opts.get("script_location"):
                continue
            layout = _layout(None, toml_opts, base=pyproject.parent, root=root, ini=None, pyproject=pyproject,
                             section="alembic", source=f"{pyproject} [tool.alembic]")
        except Exception as exc:  # noqa: BLE001
            ignored.append((rel(pyproject), str(getattr(exc, "message", exc))))
            continue
        label = f"{rel(pyproject)} [tool.alembic]"
        claimed.add(layout.script_location.resolve())
        envs.append(Environment(replace(layout, label=label), label, f"-c {rel(pyproject)}"))

    for folder in found.script_dirs:
        if folder.resolve() in claimed or not _mentions(folder / "env.py", b"alembic"):
            continue
        above = _ini_above(folder, root)
        if above is not None:  # PATH is below the ini that names this folder: use that ini's section
            claimed.add(folder.resolve())
            envs.append(above)
            continue
        try:
            layout = _layout(None, None, base=folder.parent, root=root, ini=None, pyproject=None, section="alembic",
                             source=f"{folder} (env.py, no ini)", script_override=folder.absolute())
        except ProjectNotFound as exc:
            ignored.append((rel(folder), str(exc)))
            continue
        label = rel(folder)
        envs.append(Environment(replace(layout, label=label), label, f"--script-location {label}"))

    out: list[Environment] = []
    for env in envs:
        out.extend(split_histories(env))
    out = _attach_ignored(apply_overrides(out, root, settings), ignored, root)
    out = [_with_others(env, out) for env in out]
    return Discovery(tuple(out), tuple(ignored), root)


def _with_others(env: Environment, envs: list[Environment]) -> Environment:
    """The other environments' migration folders, which this environment's models analysis and
    session audit leave out (their models and revision files are not this application's)."""
    mine = {Path(env.layout.script_location).resolve(), *(Path(v).resolve() for v in env.layout.version_locations)}
    others = []
    for other in envs:
        for folder in (other.layout.script_location, *other.layout.version_locations):
            resolved = Path(folder).resolve()
            if resolved not in mine and not any(m in resolved.parents or resolved in m.parents for m in mine):
                others.append(Path(folder))
    return replace(env, layout=replace(env.layout, other_locations=tuple(dict.fromkeys(others))))


def _attach_ignored(envs: list[Environment], ignored: list[tuple[str, str]], root: Path) -> list[Environment]:
    """Each ignored candidate becomes a note of the environment nearest to it (the longest
    shared folder), so reports show it: never dropped silently."""
    if not envs or not ignored:
        return envs
    notes: dict[int, list[str]] = {}
    for where, why in ignored:
        target = (root / where.split(" [")[0]).parent.parts

        def shared(env: Environment) -> int:
            parts = Path(env.layout.script_location).absolute().parts
            n = 0
            for a, b in zip(parts, target):
                if a != b:
                    break
                n += 1
            return n

        best = max(range(len(envs)), key=lambda i: (shared(envs[i]), -i))
        notes.setdefault(best, []).append(f"ignored {where}: {why}")
    return [replace(e, notes=(*e.notes, *notes.get(i, ()))) if i in notes else e for i, e in enumerate(envs)]


def _ini_above(folder: Path, root: Path, levels: int = 6) -> Environment | None:
    """The environment of an ini above `root` (PATH is inside the project) whose section's
    script_location is `folder`; None when there is none."""
    from alembic_guard.project.loader import relpath
    from alembic_guard.project.locate import PROJECT_MARKERS, _layout, _section, read_ini

    target = folder.resolve()
    anc = root
    for _ in range(levels):
        if anc.parent == anc:
            return None
        anc = anc.parent
        for ini in sorted(anc.glob("*.ini")):
            if "alembic" not in ini.name.lower():
                continue
            try:
                parser = read_ini(ini)
            except ProjectNotFound:
                continue
            for section in parser.sections():
                if not parser.has_option(section, "script_location"):
                    continue
                try:
                    layout = _layout(_section(parser, section), None, base=ini.parent, root=root, ini=ini, pyproject=None,
                                     section=section, source=f"{ini} [{section}]")
                except ProjectNotFound:
                    continue
                if layout.script_location.resolve() == target:
                    where = str(relpath(ini, root))
                    label = where + (f" [{section}]" if section != "alembic" else "")
                    flags = f"-c {where}" + (f" -n {section}" if section != "alembic" else "")
                    return Environment(replace(layout, label=label), label, flags)
        if any((anc / m).exists() for m in PROJECT_MARKERS):
            return None  # not above the project's root
    return None


# ---------------------------------------------------------------------- version sub-folders
def _headers(folder: Path) -> tuple[set[str], set[str], bool]:
    """(revision ids, parent ids, whether one is a base) of the revision files under `folder`,
    read with a regex (cheap, only to decide how sub-folders relate; the real load reads them
    properly)."""
    from alembic_guard.project.loader import is_revision_name

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
    from alembic_guard.project.loader import is_revision_name

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
    one environment per complete independent history, or one recursive history (see module doc)."""
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
    from alembic_guard.project.loader import relpath

    heads = {sub: _headers(sub) for sub in subs}
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
            if _mentions(path, b"version_locations"):
                return True
    return False


def _nested(folder: Path) -> bool:
    try:
        return any(e.is_dir(follow_symlinks=False) and e.name != "__pycache__" for e in os.scandir(folder))
    except OSError:
        return False


# ---------------------------------------------------------------------- [[tool.alembic-guard.environments]]
def apply_overrides(envs: list[Environment], root: Path, settings) -> list[Environment]:
    """Apply `environments` entries of [tool.alembic-guard]: each names an environment (`ini` +
    `section`, or `script-location`) and sets its `version-locations` (relative to the
    pyproject's folder) and `recursive`. Several entries for one environment make several."""
    entries = getattr(settings, "environments", ()) if settings is not None else ()
    if not entries:
        return envs
    from alembic_guard.project.loader import relpath

    from alembic_guard.settings import find_pyproject

    pyproject = find_pyproject(root)
    base = (pyproject.parent if pyproject is not None else root).absolute()
    out: list[Environment] = []
    used: set[int] = set()
    for env in envs:
        matched = False
        for i, entry in enumerate(entries):
            if not _matches(entry, env, base):
                continue
            matched = True
            used.add(i)
            layout = env.layout
            if "version_locations" in entry:
                layout = replace(layout, version_locations=tuple((base / v).absolute() for v in entry["version_locations"]),
                                 recursive_reason="")
            if "recursive" in entry:
                layout = replace(layout, recursive=bool(entry["recursive"]))
            name = entry.get("name") or (
                f"{env.label} ({', '.join(str(relpath(v, layout.root)) for v in layout.version_locations)})"
                if "version_locations" in entry else env.label)
            out.append(Environment(replace(layout, label=name), name, env.flags, ("set in [tool.alembic-guard] environments",)))
        if not matched:
            out.append(env)
    # several discovered sub-histories of one environment overridden by entries: keep one copy each
    seen: set[tuple] = set()
    unique = []
    for env in out:
        key = (env.layout.script_location, env.layout.version_locations, env.layout.recursive, env.layout.section,
               env.layout.ini_path)
        if key not in seen:
            seen.add(key)
            unique.append(env)
    return unique


def _matches(entry: dict, env: Environment, base: Path) -> bool:
    layout = env.layout
    if "script_location" in entry:
        return (base / entry["script_location"]).resolve() == layout.script_location.resolve()
    if "ini" in entry:
        if layout.ini_path is None or (base / entry["ini"]).resolve() != layout.ini_path.resolve():
            return False
        return entry.get("section", "alembic") == layout.section
    return False


def environment_info(env, project, report=None) -> dict:
    """What reports say about one environment (JSON `environments`, text headings)."""
    layout = project.layout
    rel = project.relpath
    graph = project.graph
    info = {
        "label": project.label,
        "ini": str(rel(layout.ini_path)) if layout.ini_path else None,
        "section": layout.section if layout.ini_path else None,
        "script_location": str(rel(layout.script_location)),
        "version_locations": [str(rel(v)) for v in layout.version_locations],
        "recursive_version_locations": layout.recursive,
        "dialect": project.dialect,
        "dialect_reason": project.dialect_reason,
        "app_root": str(rel(project.app_root)),
        "revisions": len(project.migrations),
        "heads": list(graph.heads),
        "flags": getattr(env, "flags", "") or "",
        "notes": list(getattr(env, "notes", ()) or ()),
    }
    if report is not None:
        info["summary"] = {"total": len(report.findings), **report.counts()}
        info["report"] = report
    return info


# ---------------------------------------------------------------------- messages
def listing(envs: tuple[Environment, ...] | list[Environment]) -> str:
    """The candidates with the flags that pick each, for an error's hint."""
    width = max((len(e.label) for e in envs), default=0)
    return "\n".join(f"{e.label.ljust(width)}   {e.flags}" for e in envs)
