"""`[[tool.alembic-guard.environments]]` entries of pyproject.toml applied to the environments found:
each entry names an environment (`ini` + `section`, or `script-location`) and sets its
`version-locations` (relative to the pyproject's folder) and `recursive` (see docs/environments.md).
It owns matching entries to environments and the layouts they give: it must not find environments
(alembic_guard.project.discover) or read the settings file itself (alembic_guard.settings does).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from alembic_guard.project.environment import Environment
from alembic_guard.project.paths import relpath
from alembic_guard.settings import find_pyproject


def apply_overrides(envs: list[Environment], root: Path, settings) -> list[Environment]:
    """Apply `environments` entries of [tool.alembic-guard]: each names an environment (`ini` +
    `section`, or `script-location`) and sets its `version-locations` (relative to the
    pyproject's folder) and `recursive`. Several entries for one environment make several."""
    entries = getattr(settings, "environments", ()) if settings is not None else ()
    if not entries:
        return envs
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
