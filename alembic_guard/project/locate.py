"""Find an Alembic project the way Alembic does, without importing anything from it.

Search order for a PATH (a directory or a file):
1. an explicit `--script-location` (settings.script_location);
2. an explicit ini file (`-c`), or PATH itself when it is a file;
3. `alembic.ini` in PATH (section `settings.name`, default `alembic`);
4. `[tool.alembic]` in PATH/pyproject.toml (Alembic ≥ 1.16);
5. Flask-Migrate's `migrations/` folder (`migrations/alembic.ini` + `migrations/env.py`).
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from alembic_guard.errors import ProjectNotFound
from alembic_guard.settings import Settings, read_pyproject


@dataclass(frozen=True)
class AlembicLayout:
    root: Path  # the folder paths are reported relative to
    script_location: Path
    version_locations: tuple[Path, ...]
    recursive: bool = False
    ini_path: Path | None = None
    section: str = "alembic"
    source: str = ""  # how it was found, for messages
    options: dict[str, str] = field(default_factory=dict)  # the raw section (sqlalchemy.url, version_table...)

    @property
    def env_py(self) -> Path:
        return self.script_location / "env.py"

    @property
    def sqlalchemy_url(self) -> str | None:
        return self.options.get("sqlalchemy.url") or None


_SPLIT = {"space": r"\s+", "newline": r"\n", ",": ",", ";": ";", ":": ":"}


def _split_locations(value: str, separator: str | None) -> list[str]:
    if separator is None:
        # Alembic's legacy behaviour: split on spaces and commas
        return [v for v in re.split(r"[\s,]+", value.strip()) if v]
    pattern = _SPLIT.get(separator, re.escape(separator))
    return [v.strip() for v in re.split(pattern, value.strip()) if v.strip()]


def _resolve_script_location(value: str, base: Path) -> Path:
    value = value.strip()
    if ":" in value and not os.path.isabs(value) and not re.match(r"^[A-Za-z]:[\\/]", value):
        # "package:folder" form: resolve statically against the project root (never import)
        pkg, _, sub = value.partition(":")
        candidate = base.joinpath(*pkg.split("."), sub)
        return candidate
    path = Path(value)
    return path if path.is_absolute() else (base / path)


def _layout_from_options(options: dict[str, str], here: Path, ini: Path | None, section: str, source: str) -> AlembicLayout:
    script = options.get("script_location")
    if not script:
        raise ProjectNotFound(
            f"{source}: no `script_location` in [{section}]",
            hint="add `script_location = %(here)s/migrations` (or pass --script-location)",
        )
    script_path = _resolve_script_location(script, here)
    raw_versions = options.get("version_locations")
    sep = options.get("version_path_separator")
    if sep is None and raw_versions is not None and ini is not None:
        sep = None
    if raw_versions:
        versions = tuple(_resolve_script_location(v, here) for v in _split_locations(raw_versions, sep))
    else:
        versions = (script_path / "versions",)
    recursive = str(options.get("recursive_version_locations", "false")).strip().lower() in ("true", "1", "yes", "on")
    return AlembicLayout(
        root=here,
        script_location=script_path,
        version_locations=versions,
        recursive=recursive,
        ini_path=ini,
        section=section,
        source=source,
        options=options,
    )


def _read_ini(ini: Path, section: str) -> dict[str, str] | None:
    parser = configparser.ConfigParser(defaults={"here": str(ini.parent.resolve())}, interpolation=configparser.BasicInterpolation())
    try:
        text = ini.read_text(encoding="utf-8")
        parser.read_string(text, source=str(ini))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise ProjectNotFound(f"{ini}: cannot read as an ini file: {exc}", searched=(ini,)) from None
    if not parser.has_section(section):
        return None
    out = {}
    for key in parser.options(section):
        try:
            out[key] = parser.get(section, key)
        except configparser.Error:
            out[key] = parser.get(section, key, raw=True)
    return out


def locate(settings: Settings) -> AlembicLayout:
    root = Path(settings.root)
    if not root.exists():
        raise ProjectNotFound(f"{root}: no such file or directory", searched=(root,))
    here = root if root.is_dir() else root.parent
    here = here.resolve()
    searched: list[Path] = []

    if settings.script_location:
        loc = _resolve_script_location(settings.script_location, here)
        if not loc.is_dir():
            raise ProjectNotFound(f"--script-location {settings.script_location}: not a directory", searched=(loc,))
        return _layout_from_options({"script_location": str(loc)}, here, None, settings.name, "--script-location")

    ini_candidates: list[Path] = []
    if settings.config_file:
        ini_candidates.append(settings.config_file if settings.config_file.is_absolute() else here / settings.config_file)
    elif root.is_file():
        ini_candidates.append(root.resolve())
    else:
        ini_candidates.append(here / "alembic.ini")
    for ini in ini_candidates:
        searched.append(ini)
        if ini.is_file():
            options = _read_ini(ini, settings.name)
            if options is None:
                raise ProjectNotFound(
                    f"{ini}: no [{settings.name}] section",
                    searched=tuple(searched),
                    hint="name the section with --name (like `alembic -n`)",
                )
            return _layout_from_options(options, ini.parent.resolve(), ini, settings.name, str(ini))
        if settings.config_file:
            raise ProjectNotFound(f"{ini}: no such file", searched=tuple(searched))

    pyproject = here / "pyproject.toml"
    searched.append(pyproject)
    if pyproject.is_file():
        tool = read_pyproject(pyproject).get("tool", {}).get("alembic")
        if isinstance(tool, dict) and tool.get("script_location"):
            options = {k.replace("-", "_"): v for k, v in tool.items()}
            opts: dict[str, str] = {}
            for k, v in options.items():
                if isinstance(v, list):
                    v = "\n".join(str(i) for i in v)
                    if k == "version_locations":
                        opts["version_path_separator"] = "newline"
                opts[k] = str(v).replace("%(here)s", str(here))
            return _layout_from_options(opts, here, None, "tool.alembic", f"{pyproject} [tool.alembic]")

    flask = here / "migrations"
    searched.append(flask / "alembic.ini")
    if (flask / "env.py").is_file():
        options = {"script_location": str(flask)}
        if (flask / "alembic.ini").is_file():
            options.update(_read_ini(flask / "alembic.ini", settings.name) or {})
            options["script_location"] = str(flask)
        return _layout_from_options(options, here, None, settings.name, f"{flask} (Flask-Migrate layout)")

    raise ProjectNotFound(
        f"no Alembic project found at {root}",
        searched=tuple(searched),
        hint="searched: " + ", ".join(str(p) for p in searched) + "; pass a directory with alembic.ini, -c FILE or --script-location DIR",
    )
