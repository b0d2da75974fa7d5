"""Every Alembic environment below a folder, found statically: `alembic-guard check <repository
root>` (also `graph`, `models`) needs no flags, because `discover` walks the folder once, pruning
early, turns each candidate (an ini section, `[tool.alembic]`, a folder holding `env.py`) into a
layout with alembic_guard.project.locate's readers, then hands each environment to
alembic_guard.project.histories (sub-folder histories) and alembic_guard.project.overrides
(pyproject entries). It owns the walk and what counts as an environment: it must not import or run
anything of the analysed project, and it never drops a candidate silently (an unusable one is listed
as ignored, with its reason).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.errors import ProjectNotFound
from alembic_guard.project.environment import Environment
from alembic_guard.project.histories import mentions, split_histories
from alembic_guard.project.locate import PROJECT_MARKERS, _layout, _section, _toml_section, read_ini
from alembic_guard.project.overrides import apply_overrides
from alembic_guard.project.paths import relpath

SKIP_DIR_NAMES = frozenset({
    "node_modules", "__pycache__", "site-packages", "dist-packages", "build", "dist", "vendor", "vendored",
    "_vendor", "third_party", "bower_components", "htmlcov", "venv", "virtualenv",
})
_TEMPLATE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")

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
    """One pass over the tree with os.scandir, pruning early (what is skipped: see `discover`)."""
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


# ---------------------------------------------------------------------- environments
def discover(root: Path, settings=None) -> Discovery:
    """Every environment below `root` (a folder). Paths in the layouts are reported relative to `root`.

    What counts as one:

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

    An ini that cannot be used (not valid, a `script_location` that is a template such as
    `{alembic_dir}` filled in by the project's code) is listed as ignored with its reason, never
    silently dropped; when no environment is left, the error lists what was found.
    """
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
        if pyproject.is_file() and mentions(pyproject, b"tool.alembic]"):
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
        if (pyproject.parent / "alembic.ini").is_file() or not mentions(pyproject, b"tool.alembic]"):
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
        if folder.resolve() in claimed or not mentions(folder / "env.py", b"alembic"):
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
