"""Find an Alembic project the way Alembic does, without importing anything from it.

Where the configuration comes from, for a PATH (a directory, or an ini / pyproject.toml file):

1. `--script-location DIR` (settings.script_location): no configuration file at all.
2. The ini file: `-c FILE` (settings.config_file), PATH itself when it is a file, else
   `PATH/alembic.ini`; its section `settings.name` (`-n`, default `alembic`).
3. `[tool.alembic]` in the `pyproject.toml` beside it (Alembic ≥ 1.16). As in Alembic, ini keys
   win and pyproject keys fill what the ini does not set; either file alone is enough.
4. Flask-Migrate's layout: `PATH/migrations/env.py` (+ `migrations/alembic.ini`, which has no
   `script_location`: Flask-Migrate passes the folder in code), or PATH being that folder.

Resolution follows Alembic 1.16–1.20's `Config` and `ScriptDirectory.from_config`:

- `%(here)s` is the folder of the file the value came from; other `%(...)s` are ini interpolation.
- `version_locations` from the ini is split by `path_separator` (else the deprecated
  `version_path_separator`): `space`, `newline`, `os`, `:` or `;`; with neither, Alembic's legacy
  split on commas and spaces (not newlines). From pyproject it is a list.
- `recursive_version_locations` is on only when the ini says exactly `true` (pyproject: a bool).
- `package:folder` locations (script or versions) are package resources: resolved statically by
  finding the package's folder under the project's source roots — never imported.
- Relative paths are relative to the directory Alembic runs in; we take the config file's folder
  (where `alembic` is normally run), falling back to the current directory.
"""

from __future__ import annotations

import configparser
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic_guard.core import reading
from alembic_guard.errors import ProjectNotFound
from alembic_guard.settings import Settings, read_pyproject

SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
_LEGACY_SPLIT = re.compile(r", *|(?: +)")
_LEGACY_SYS_PATH_SPLIT = re.compile(r", *|(?: +)|\:")


@dataclass(frozen=True)
class AlembicLayout:
    root: Path  # the folder paths are reported relative to
    script_location: Path
    version_locations: tuple[Path, ...]
    recursive: bool = False
    ini_path: Path | None = None
    section: str = "alembic"
    source: str = ""  # how it was found, for messages
    options: dict[str, str] = field(default_factory=dict)  # the raw section (sqlalchemy.url, file_template...)
    pyproject_path: Path | None = None
    prepend_sys_path: tuple[Path, ...] = ()
    package_roots: tuple[Path, ...] = ()  # folders above the package chain holding the ini / script location
    recursive_reason: str = ""  # why recursive was turned on by discovery (sub-folders chained into one history)
    label: str = ""  # which environment this is, for per-environment reports (set by discovery)
    other_locations: tuple[Path, ...] = ()  # other environments' script/version folders: not this one's application

    @property
    def env_py(self) -> Path:
        return self.script_location / "env.py"

    @property
    def sqlalchemy_url(self) -> str | None:
        return self.options.get("sqlalchemy.url") or None

    @property
    def file_template(self) -> str:
        return self.options.get("file_template") or "%(rev)s_%(slug)s"

    @property
    def module_roots(self) -> tuple[Path, ...]:
        """Folders a module name is looked up in, for statically resolved imports."""
        roots = [*self.prepend_sys_path, *self.package_roots, self.root, self.root / "src",
                 self.script_location.parent, self.script_location]
        return tuple(dict.fromkeys(roots))


# ---------------------------------------------------------------------- reading config files
def read_ini(ini: Path) -> configparser.ConfigParser:
    """The ini file as Alembic's ConfigParser sees it (`here` = its folder). Exit 2 if unreadable."""
    parser = configparser.ConfigParser(defaults={"here": ini.parent.absolute().as_posix()})
    try:
        data = reading.read_bytes(ini, limit=reading.MAX_CONFIG_BYTES)
    except reading.UnreadableFile as exc:
        raise ProjectNotFound(exc.message, searched=(ini,), hint=exc.hint) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProjectNotFound(
            f"{ini}:{line}: not a UTF-8 text file, so not an Alembic ini file", searched=(ini,), hint="pass the right file with -c FILE"
        ) from None
    try:
        parser.read_string(text, source=str(ini))
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        first = str(exc).splitlines()[0]
        where = f"{ini}:{line}" if line else str(ini)
        raise ProjectNotFound(
            f"{where}: not a valid ini file ({first})",
            searched=(ini,),
            hint="fix the file, or pass the right one with -c FILE",
        ) from None
    return parser


def _section(parser: configparser.ConfigParser, name: str) -> dict[str, str] | None:
    if not parser.has_section(name):
        return None
    out: dict[str, str] = {}
    here = parser.defaults().get("here", "")
    for key in parser.options(name):
        try:
            out[key] = parser.get(name, key)
        except configparser.Error as exc:
            raw = parser.get(name, key, raw=True)
            if "%" in here and "%(here)s" in raw:
                # Alembic fills %(here)s in unescaped: its ConfigParser fails the same way
                raise ProjectNotFound(
                    f"[{name}] {key} uses %(here)s, and the project folder {here} contains `%`: the ini "
                    f"interpolation fails on it ({str(exc).splitlines()[0]}), so Alembic cannot run this project from here",
                    hint="move or rename the folder so that its path has no `%` (or write the path without %(here)s)",
                ) from None
            out[key] = raw
    return out


def _toml_section(pyproject: Path) -> dict[str, Any] | None:
    data = read_pyproject(pyproject).get("tool", {}).get("alembic")
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ProjectNotFound(f"{pyproject}: [tool.alembic] must be a table", searched=(pyproject,))
    here = pyproject.parent.absolute().as_posix()

    def subst(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return value % {"here": here}
            except (KeyError, ValueError, TypeError):
                return value.replace("%(here)s", here)
        if isinstance(value, list):
            return [subst(v) for v in value]
        if isinstance(value, dict):
            return {k: subst(v) for k, v in value.items()}
        return value

    return {k: subst(v) for k, v in data.items()}


# ---------------------------------------------------------------------- resolving paths
def split_version_locations(value: str, separator: str | None, *, where: str = "") -> list[str]:
    """Alembic's `Config.get_version_locations_list` for an ini value."""
    if separator is None:
        return [v for v in _LEGACY_SPLIT.split(value) if v]
    try:
        sep = SEPARATORS[separator]
    except KeyError:
        raise ProjectNotFound(
            f"{where}: {separator!r} is not a valid path_separator",
            hint="use one of: space, newline, os, ':', ';' (as Alembic requires)",
        ) from None
    return [x.strip() for x in value.split(sep) if x.strip()]


PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def project_root_of(folder: Path, stop: Path | None = None) -> Path | None:
    """The nearest folder at or above `folder` that holds a project marker (pyproject.toml,
    setup.py, setup.cfg, .git); None when there is none (up to `stop`, inclusive)."""
    folder = folder.absolute()
    for anc in (folder, *folder.parents):
        if any((anc / m).exists() for m in PROJECT_MARKERS):
            return anc
        if stop is not None and anc == stop:
            break
    return None


def package_roots(*folders: Path) -> tuple[Path, ...]:
    """Where Python would find the packages a file in `folders` belongs to, statically: for each
    folder, the folder above its package chain (walk up while `__init__.py` exists), the folder
    itself, the project root above it (pyproject.toml, setup.py, .git) and that root's `src/`."""
    out: list[Path] = []
    for folder in folders:
        folder = folder.absolute()
        anc = folder
        while (anc / "__init__.py").is_file() and anc.parent != anc:
            anc = anc.parent
        out.append(anc)
        out.append(folder)
        proj = project_root_of(folder)
        if proj is not None:
            out.append(proj)
            if (proj / "src").is_dir():
                out.append(proj / "src")
    return tuple(dict.fromkeys(out))


def find_package(name: str, roots: tuple[Path, ...]) -> Path | None:
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    for root in roots:
        folder = root.joinpath(*parts)
        if folder.is_dir():
            return folder
    return None


def resolve_location(value: str, base: Path, roots: tuple[Path, ...], *, what: str) -> Path:
    """A script/version location as Alembic's `coerce_resource_to_filename` sees it, statically."""
    value = value.strip()
    if not os.path.isabs(value) and ":" in value:
        pkg, *rest = value.split(":")
        folder = find_package(pkg, roots)
        if folder is None:
            raise ProjectNotFound(
                f"{what} {value!r}: package {pkg!r} not found in {', '.join(str(r) for r in roots)}",
                searched=roots,
                hint="alembic-guard does not import packages to find them; pass --script-location DIR "
                "(or run from the folder that contains the package)",
            )
        return folder.joinpath(*[p for p in rest if p])
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    candidate = base / path
    if not candidate.exists() and (Path.cwd() / path).exists():
        return (Path.cwd() / path).absolute()
    return candidate


# ---------------------------------------------------------------------- the search
def _layout(
    ini_opts: dict[str, str] | None,
    toml_opts: dict[str, Any] | None,
    *,
    base: Path,
    root: Path,
    ini: Path | None,
    pyproject: Path | None,
    section: str,
    source: str,
    script_override: Path | None = None,
) -> AlembicLayout:
    ini_opts = dict(ini_opts or {})
    toml_opts = dict(toml_opts or {})
    where = f"{ini} [{section}]" if ini else (f"{pyproject} [tool.alembic]" if pyproject else source)

    def get(name: str) -> Any:
        return ini_opts[name] if name in ini_opts else toml_opts.get(name)

    # prepend_sys_path: module roots for package resources and imported constants
    psp = ini_opts.get("prepend_sys_path")
    if psp:
        sep = ini_opts.get("path_separator")
        raw = split_version_locations(psp, sep, where=where) if sep else [v for v in _LEGACY_SYS_PATH_SPLIT.split(psp) if v]
    else:
        raw = toml_opts.get("prepend_sys_path") or []
        raw = raw if isinstance(raw, list) else [str(raw)]
    # Alembic puts these on sys.path as written, so relative ones are relative to the working
    # directory; `alembic` is normally run in the ini's folder, so that reading is kept too.
    # (the working-directory reading only serves module look-ups, never the application scan)
    prepend = tuple((base / p) if not os.path.isabs(p) else Path(p) for p in raw if isinstance(p, str) and p)
    from_cwd = tuple((Path.cwd() / p).absolute() for p in raw if isinstance(p, str) and p and not os.path.isabs(p))
    chain = (*from_cwd, *package_roots(base))
    roots = tuple(dict.fromkeys([*prepend, base, base / "src", *chain]))

    if script_override is not None:
        script = script_override
    else:
        value = get("script_location")
        if not value or not isinstance(value, str):
            raise ProjectNotFound(
                f"{where}: no `script_location`",
                searched=tuple(p for p in (ini, pyproject) if p),
                hint="add `script_location = %(here)s/migrations` (or pass --script-location DIR)",
            )
        script = resolve_location(value, base, roots, what="script_location")
    if not script.is_dir():
        raise ProjectNotFound(
            f"{where}: script_location {script} is not a directory",
            searched=(script,),
            hint="fix script_location, or pass --script-location DIR",
        )

    raw_versions = ini_opts.get("version_locations")
    if raw_versions:
        sep = ini_opts.get("path_separator") or ini_opts.get("version_path_separator")
        names = split_version_locations(raw_versions, sep, where=where)
    else:
        tv = toml_opts.get("version_locations")
        names = [str(v) for v in tv] if isinstance(tv, list) else ([tv] if isinstance(tv, str) and tv else [])
    versions = tuple(resolve_location(v, base, roots, what="version_locations") for v in names) or (script / "versions",)

    if "recursive_version_locations" in ini_opts:
        recursive = ini_opts["recursive_version_locations"] == "true"  # exactly Alembic's test
    else:
        recursive = toml_opts.get("recursive_version_locations") is True

    options = {k: v for k, v in toml_opts.items() if isinstance(v, str)}
    options.update(ini_opts)
    return AlembicLayout(
        root=root,
        script_location=script,
        version_locations=versions,
        recursive=recursive,
        ini_path=ini,
        section=section,
        source=source,
        options=options,
        pyproject_path=pyproject,
        prepend_sys_path=prepend,
        package_roots=tuple(dict.fromkeys([*chain, *package_roots(script)])),
    )


def _missing_section(ini: Path, parser: configparser.ConfigParser, name: str, searched: list[Path]) -> ProjectNotFound:
    trees = [s for s in parser.sections() if parser.has_option(s, "script_location")]
    if trees:
        close = difflib.get_close_matches(name, trees, n=1)
        hint = (f"did you mean --name {close[0]}? " if close else "") + "sections with a script_location: " + ", ".join(trees)
        hint += "; pick one with --name (like `alembic -n`)"
    else:
        hint = "no section of this file sets script_location; pass --script-location DIR"
    return ProjectNotFound(f"{ini}: no [{name}] section", searched=tuple(searched), hint=hint)


def _explicit_config(explicit: Path, here: Path, searched: list[Path]) -> Path:
    """The file `-c` names: from the working directory (as Alembic reads it), else from PATH."""
    path = explicit if explicit.is_absolute() else (Path.cwd() / explicit if (Path.cwd() / explicit).exists() else here / explicit)
    searched.append(path)
    if not path.is_file():
        why = reading.problem(path)
        if why:  # a FIFO, a device, a folder, a symlink loop: never opened
            raise ProjectNotFound(f"-c {explicit}: {why}", searched=tuple(searched), hint="pass a regular alembic.ini or pyproject.toml")
        raise ProjectNotFound(f"-c {explicit}: no such file", searched=tuple(searched), hint="pass an existing alembic.ini or pyproject.toml")
    return path.absolute()


def _config_with_script_location(explicit: Path, here: Path, name: str, script: Path) -> AlembicLayout:
    """`-c FILE --script-location DIR`: FILE's options (sqlalchemy.url, prepend_sys_path, the
    options env.py reads...) with DIR as the script location."""
    searched: list[Path] = []
    path = _explicit_config(explicit, here, searched)
    ini = pyproject = None
    ini_opts = toml_opts = None
    if path.name == "pyproject.toml":
        pyproject, toml_opts = path, _toml_section(path)
    else:
        ini = path
        parser = read_ini(ini)
        ini_opts = _section(parser, name)
        if ini_opts is None:
            raise _missing_section(ini, parser, name, searched)
    return _layout(ini_opts, toml_opts, base=path.parent, root=path.parent, ini=ini, pyproject=pyproject, section=name,
                   source=f"{path} + --script-location", script_override=script)


class NoLayoutHere(ProjectNotFound):
    """No layout at the given folder itself; `project.find.locate` then searches below it."""


def locate_here(settings: Settings) -> AlembicLayout:
    given = Path(settings.root)
    if not given.exists():
        raise ProjectNotFound(f"{given}: no such file or directory", searched=(given,), hint="pass the folder that contains alembic.ini")
    here = (given if given.is_dir() else given.parent).absolute()
    name = settings.name or "alembic"
    searched: list[Path] = []

    if settings.script_location:
        loc = resolve_location(settings.script_location, here, (here, here / "src"), what="--script-location")
        if not loc.is_dir():
            raise ProjectNotFound(f"--script-location {settings.script_location}: not a directory ({loc})", searched=(loc,))
        if settings.config_file is None:
            return _layout(None, None, base=here, root=here, ini=None, pyproject=None, section=name, source="--script-location", script_override=loc.absolute())
        # `-c FILE --script-location DIR` (like `alembic -c FILE` with script_location overridden):
        # the file's other options stay (env.py may read them); only the folder is replaced
        return _config_with_script_location(settings.config_file, here, name, loc.absolute())

    # which ini / pyproject, like Alembic's `_inis_from_config`
    ini: Path | None = None
    pyproject: Path | None = None
    explicit = settings.config_file
    if explicit is None and given.is_file():
        explicit = given
    if explicit is not None:
        path = _explicit_config(explicit, here, searched)
        if path.name == "pyproject.toml":
            pyproject = path
        else:
            ini = path
            if (path.parent / "pyproject.toml").is_file():
                pyproject = path.parent / "pyproject.toml"
    else:
        searched.append(here / "alembic.ini")
        if (here / "alembic.ini").is_file():
            ini = here / "alembic.ini"
        elif reading.problem(here / "alembic.ini"):  # a folder, FIFO, device or symlink loop: say so
            raise ProjectNotFound(
                f"no Alembic project found: {here / 'alembic.ini'}: {reading.problem(here / 'alembic.ini')}",
                searched=tuple(searched),
                hint="alembic.ini must be a regular file (or pass the right one with -c FILE)",
            )
        searched.append(here / "pyproject.toml")
        if (here / "pyproject.toml").is_file():
            pyproject = here / "pyproject.toml"

    ini_opts: dict[str, str] | None = None
    parser: configparser.ConfigParser | None = None
    if ini is not None:
        parser = read_ini(ini)
        ini_opts = _section(parser, name)
    toml_opts = _toml_section(pyproject) if pyproject is not None else None

    if ini is not None and ini_opts is None and toml_opts is None:
        assert parser is not None
        raise _missing_section(ini, parser, name, searched)

    base = (ini or pyproject or here).parent if (ini or pyproject) else here
    has_script = bool((ini_opts or {}).get("script_location") or (toml_opts or {}).get("script_location"))
    if has_script:
        used = (ini if ini_opts is not None else None, pyproject if toml_opts is not None else None)
        label = " + ".join(str(p) for p in used if p)
        return _layout(ini_opts, toml_opts, base=base, root=base, ini=ini, pyproject=pyproject if toml_opts is not None else None, section=name, source=label)

    # an ini without script_location beside an env.py: Flask-Migrate's migrations/alembic.ini
    if ini is not None and (ini.parent / "env.py").is_file():
        return _layout(ini_opts, toml_opts, base=ini.parent, root=ini.parent, ini=ini, pyproject=None, section=name,
                       source=f"{ini} (Flask-Migrate layout)", script_override=ini.parent)
    if ini is not None:
        raise ProjectNotFound(
            f"{ini}: [{name}] has no `script_location`",
            searched=tuple(searched),
            hint="add `script_location = %(here)s/migrations`, or pass --script-location DIR",
        )

    # Flask-Migrate: PATH/migrations/{env.py,alembic.ini}, or PATH is that folder
    for folder in (here / "migrations", here):
        searched.append(folder / "env.py")
        if (folder / "env.py").is_file() and (folder / "versions").is_dir():
            f_ini = folder / "alembic.ini"
            f_opts: dict[str, str] | None = None
            if f_ini.is_file():
                f_parser = read_ini(f_ini)
                f_opts = _section(f_parser, name)
                if f_opts is None and name != "alembic":
                    raise _missing_section(f_ini, f_parser, name, searched)
            return _layout(f_opts, None, base=here, root=here, ini=f_ini if f_ini.is_file() else None, pyproject=None,
                           section=name, source=f"{folder} (Flask-Migrate layout)", script_override=folder)

    raise NoLayoutHere(
        f"no Alembic project found at {given}",
        searched=tuple(searched),
        hint="searched " + ", ".join(str(p) for p in searched)
        + "; run in the folder that holds alembic.ini, or pass -c FILE or --script-location DIR",
    )
