"""Settings: one frozen value built from `[tool.alembic-guard]` in pyproject.toml, then CLI flags.

>>> s = Settings.from_mapping({"select": ["AG1"], "severity": {"AG101": "error"}}, root=Path("."))
>>> s.select, s.severity["AG101"].name
(('AG1',), 'ERROR')
>>> Settings.from_mapping({"slect": ["AG1"]}, root=Path("."))
Traceback (most recent call last):
...
alembic_guard.errors.SettingsError: unknown setting 'slect' in [tool.alembic-guard]
  hint: did you mean 'select'?
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from alembic_guard.core import reading, walk_settings
from alembic_guard.errors import SettingsError
from alembic_guard.findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SECTION = "[tool.alembic-guard]"


# Settings a checked repository must not choose for itself: the analysed project's pyproject.toml
# is as untrusted as its env.py (a pull request can change both), so nothing in it may make
# alembic-guard run the project's code or read cached results from a folder it picked.
NOT_FROM_PROJECT = {
    "allow_import": ("it would let the repository make alembic-guard import and run its code", "--import"),
    "db": ("it would let the repository make alembic-guard run its env.py and migrations", "--db"),
    "db_url": ("it would let the repository make alembic-guard run its env.py and migrations", "--db-url, or --db auto with ALEMBIC_GUARD_DB_URL"),
    "cache_dir": ("the repository would choose where cached (trusted) results are read from", "--cache-dir or ALEMBIC_GUARD_CACHE_DIR"),
}


@dataclass(frozen=True)
class Settings:
    root: Path = Path(".")
    # -- where the Alembic project is (foundation) ---------------------------------
    config_file: Path | None = None  # an explicit alembic.ini (`-c`)
    name: str = "alembic"  # ini section, like `alembic -n`
    script_location: str | None = None  # explicit, bypasses discovery
    environments: tuple[Mapping[str, Any], ...] = ()  # [[tool.alembic-guard.environments]]: per-environment version locations (docs/environments.md)
    # -- which rules, how strict ---------------------------------------------------
    select: tuple[str, ...] = ()  # rule codes, prefixes or names to run (default: every stable rule)
    ignore: tuple[str, ...] = ()  # rule codes, prefixes or names to skip; the longer prefix wins
    severity: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))  # code or prefix = "error|warning|info"
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # "glob" = [codes]; globs match project-relative paths
    fail_on: Severity = Severity.WARNING  # lowest severity that makes the exit code 1
    require_reason: bool = False  # suppressions must give a reason
    # -- executing user code (opt-in) ----------------------------------------------
    allow_import: bool = False  # `--import`: Alembic's loader / env.py import probe
    import_timeout: float = 60.0  # seconds an --import probe may take
    # -- round trip (AG3xx) --------------------------------------------------------
    db: str | None = None  # auto | embedded | docker | sqlite | a URL
    db_url: str | None = None  # server on which throwaway databases are created (and always dropped)
    docker_image: str | None = None  # image for db = "docker", e.g. postgres:16
    with_data: bool = False  # seed synthetic rows before each upgrade in round trips
    trace: bool = True  # PostgreSQL round trips also trace each revision's locks and rewrites (docs: trace)
    trace_rows: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # table = N: seed N more rows into it for the lock trace (`--rows TABLE=N`)
    step_timeout: float | None = None  # seconds
    shard: tuple[int, int] | None = None  # (K, N), 1-based K
    env_vars: tuple[str, ...] = ("DATABASE_URL",)  # variables env.py may read; set to the sandbox URL
    setup_sql: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # SQL run in each new sandbox database before the walk (extensions, schemas): a list, or a table of dialect = [statements] (docs/pytest-alembic.md)
    before_revision_data: Mapping[str, tuple] = field(default_factory=lambda: MappingProxyType({}))  # revision = rows inserted just before its upgrade, like pytest-alembic's before_revision_data (docs/pytest-alembic.md)
    at_revision_data: Mapping[str, tuple] = field(default_factory=lambda: MappingProxyType({}))  # revision = rows inserted right after its upgrade, like pytest-alembic's at_revision_data
    minimum_downgrade_revision: str | None = None  # this revision and its ancestors are upgraded but never downgraded in round trips
    skip_revisions: tuple[str, ...] = ()  # revisions stamped, not run, in round trips (their upgrade and downgrade never execute)
    # -- operation lint (AG4xx) ----------------------------------------------------
    dialect: str | None = None  # postgresql | mysql | sqlite; default from the project
    server_version: str | None = None  # target server version, e.g. "15" or "8.0"
    since_revision: str | None = None  # report only revisions after this one
    changed_since: str | None = None  # git ref
    baseline: Path | None = None  # JSON report whose findings (by fingerprint) are hidden
    # -- pull-request guard --------------------------------------------------------
    base_ref: str | None = None  # git ref the pull request merges into
    # -- deploy gate -----------------------------------------------------------------
    block_write_lock_over: str | None = None  # `gate --block-write-lock-over`: block the deploy when a pending revision takes a lock that blocks writes (SHARE or stronger) on a table over this many rows or this size, e.g. "1M" or "500MB" (PostgreSQL; docs/deploy-gate.md)
    # -- application audit (AG5xx) -------------------------------------------------
    app_paths: tuple[str, ...] = ()  # default: the project's Python files outside the migrations
    exclude: tuple[str, ...] = ()  # globs of application files not to audit
    workers: int = 1  # parallel workers for the application audit
    jobs: int = 0  # processes for the per-file pass over large histories (1,000+ revision files): 0 = one per CPU (serial in a multi-threaded host), 1 = serial, N = N forked processes
    # -- cache -----------------------------------------------------------------------
    cache: bool = True  # reuse earlier runs' per-file findings for revision files whose text is unchanged (docs/caching.md)
    cache_dir: Path | None = None  # default: results/ in $ALEMBIC_GUARD_CACHE_DIR, else in ~/.cache/alembic-guard
    # -- output ----------------------------------------------------------------------
    progress: bool = False

    # ---------------------------------------------------------------------------
    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.name not in ("root", "progress"))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, root: Path, source: str = SECTION) -> "Settings":
        values: dict[str, Any] = {"root": root}
        known = cls.keys()
        if not isinstance(data, Mapping):
            raise SettingsError(f"{source} must be a table of settings, got {data!r}", source=source)
        seen: dict[str, str] = {}
        for raw_key, value in data.items():
            key = str(raw_key).replace("-", "_")
            if key in seen:
                raise SettingsError(
                    f"setting {raw_key!r} given twice in {source} (also as {seen[key]!r})",
                    key=raw_key, source=source, hint="keep one spelling (kebab-case or snake_case)",
                )
            seen[key] = raw_key
            if key in NOT_FROM_PROJECT:
                why, where = NOT_FROM_PROJECT[key]
                raise SettingsError(
                    f"setting {raw_key!r} cannot be set in {source}: {why}",
                    key=raw_key,
                    source=source,
                    hint=f"give it where alembic-guard is run (a CI job or shell you control): {where}",
                )
            if key not in known:
                sugg = difflib.get_close_matches(key, known, n=1)
                raise SettingsError(
                    f"unknown setting {raw_key!r} in {source}",
                    key=raw_key,
                    source=source,
                    hint=f"did you mean {sugg[0]!r}?" if sugg else f"known settings: {', '.join(known)}",
                )
            values[key] = _coerce(key, value, source)
        return cls(**values)

    def replace(self, **changes: Any) -> "Settings":
        clean = {k: v for k, v in changes.items() if v is not None and v != ()}
        for key, value in list(clean.items()):
            clean[key] = _coerce(key, value, "command line")
        return dataclasses.replace(self, **clean)


# SQLAlchemy's dialect names (what rules' `dialects` and the project's URL use), and the
# spellings people type for them. MariaDB is read as MySQL, as the project's URL is.
DIALECTS = ("postgresql", "mysql", "sqlite", "mssql", "oracle")
DIALECT_ALIASES = {"postgres": "postgresql", "pg": "postgresql", "pgsql": "postgresql", "mariadb": "mysql"}


def _coerce(key: str, value: Any, source: str) -> Any:
    def bad(expected: str) -> SettingsError:
        return SettingsError(f"setting {key!r} in {source} must be {expected}, got {value!r}", key=key, source=source)

    if key in ("select", "ignore", "env_vars", "app_paths", "exclude"):
        if isinstance(value, str):
            value = [v for v in value.replace(" ", ",").split(",") if v]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return tuple(value)
    if key == "environments":
        return _environments(value, source)
    if key == "severity":
        if not isinstance(value, Mapping):
            raise bad('a table of code = "error|warning|info"')
        out = {}
        for code, sev in value.items():
            try:
                out[str(code).upper()] = sev if isinstance(sev, Severity) else Severity.parse(str(sev))
            except ValueError as exc:
                raise SettingsError(f"{exc} (for {code} in {source})", key=key, source=source) from None
        return MappingProxyType(out)
    if key == "per_path_ignores":
        if not isinstance(value, Mapping):
            raise bad('a table of "glob" = ["AG1xx", ...]')
        out = {}
        for glob, codes in value.items():
            codes = [codes] if isinstance(codes, str) else codes
            if not isinstance(codes, (list, tuple)) or not all(isinstance(c, str) for c in codes):
                raise bad(f'a table of "glob" = ["AG1xx", ...] (for {glob!r})')
            out[str(glob)] = tuple(codes)
        return MappingProxyType(out)
    if key in ("setup_sql", "before_revision_data", "at_revision_data", "skip_revisions"):
        if key == "setup_sql":
            return walk_settings.coerce_setup_sql(value, source)
        if key == "skip_revisions":
            return walk_settings.coerce_revision_list(key, value, source)
        return walk_settings.coerce_revision_data(key, value, source)
    if key == "fail_on":
        if isinstance(value, Severity):
            return value
        try:
            return Severity.parse(str(value))
        except ValueError as exc:
            raise SettingsError(f"{exc} (fail-on in {source})", key=key, source=source) from None
    if key == "cache_dir":
        return Path(value).expanduser()
    if key == "trace_rows":
        return _table_counts(value, bad)
    if key in ("allow_import", "with_data", "require_reason", "progress", "cache", "trace"):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if key in ("config_file", "baseline"):
        return Path(value)
    if key in ("import_timeout", "step_timeout"):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            raise bad("a number of seconds") from None
        if not seconds > 0 or seconds == float("inf"):
            raise bad("a positive number of seconds")
        return seconds
    if key == "dialect":
        if not isinstance(value, str):
            raise bad("a string")
        name = DIALECT_ALIASES.get(value.strip().lower(), value.strip().lower())
        if name not in DIALECTS:
            raise bad(f"one of {', '.join(DIALECTS)}")
        return name
    if key == "workers":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise bad("a whole number ≥ 1")
        return value
    if key == "jobs":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise bad("a whole number ≥ 0 (0 = one per CPU, 1 = serial)")
        return value
    if key == "shard":
        if isinstance(value, tuple):
            return value
        try:
            k, n = (int(x) for x in str(value).split("/"))
            if not 1 <= k <= n:
                raise ValueError
        except ValueError:
            raise bad("K/N with 1 ≤ K ≤ N, e.g. 2/4") from None
        return (k, n)
    if key == "block_write_lock_over":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise bad('a number of rows or a size, e.g. 1000000, "2M" or "500MB"')
        return str(value)
    if key == "server_version":
        import re

        if not re.fullmatch(r"\d+(\.\d+){0,2}", str(value).strip()):
            raise bad('a version number such as "15", "11.9" or "8.0.32"')
        return str(value).strip()
    if not isinstance(value, str):
        raise bad("a string")
    return value


ENVIRONMENT_KEYS = ("ini", "section", "script_location", "version_locations", "recursive", "name")


def _environments(value: Any, source: str) -> tuple[Mapping[str, Any], ...]:
    """`[[tool.alembic-guard.environments]]` entries (alembic_guard.project.overrides.apply_overrides)."""
    if isinstance(value, tuple) and all(isinstance(v, MappingProxyType) for v in value):
        return value
    if not isinstance(value, (list, tuple)):
        raise SettingsError(f"setting 'environments' in {source} must be a list of tables ([[tool.alembic-guard.environments]])",
                            key="environments", source=source)
    out = []
    for i, entry in enumerate(value):
        where = f"environments[{i}] in {source}"
        if not isinstance(entry, Mapping):
            raise SettingsError(f"{where} must be a table", key="environments", source=source)
        clean: dict[str, Any] = {}
        for raw, v in entry.items():
            key = str(raw).replace("-", "_")
            if key not in ENVIRONMENT_KEYS:
                sugg = difflib.get_close_matches(key, ENVIRONMENT_KEYS, n=1)
                raise SettingsError(f"unknown key {raw!r} in {where}", key="environments", source=source,
                                    hint=f"did you mean {sugg[0]!r}?" if sugg else f"known keys: {', '.join(ENVIRONMENT_KEYS)}")
            if key == "recursive" and not isinstance(v, bool):
                raise SettingsError(f"'recursive' in {where} must be true or false", key="environments", source=source)
            if key == "version_locations":
                v = [v] if isinstance(v, str) else v
                if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
                    raise SettingsError(f"'version-locations' in {where} must be a list of folders", key="environments", source=source)
                v = tuple(v)
            elif key != "recursive" and not isinstance(v, str):
                raise SettingsError(f"{raw!r} in {where} must be a string", key="environments", source=source)
            clean[key] = v
        if "ini" not in clean and "script_location" not in clean:
            raise SettingsError(f"{where} names no environment", key="environments", source=source,
                                hint="give `ini` (and `section`) or `script-location`, relative to pyproject.toml's folder")
        out.append(MappingProxyType(clean))
    return tuple(out)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or directory)."""
    start = start.resolve()
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if os.path.lexists(candidate):
            return candidate  # not a regular file: read_pyproject says so (exit 2), never ignored
        if (folder / ".git").exists():
            break
    return None


def read_pyproject(path: Path) -> dict[str, Any]:
    try:
        data = reading.read_bytes(path, limit=reading.MAX_CONFIG_BYTES)
    except reading.UnreadableFile as exc:
        raise SettingsError(exc.message, source=str(path), hint=exc.hint) from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SettingsError(
            f"{path}:{line}: not UTF-8 (invalid byte 0x{data[exc.start]:02x}); TOML files must be UTF-8",
            source=str(path),
            hint="save the file as UTF-8",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}", source=str(path)) from None
    except RecursionError:
        raise SettingsError(f"{path}: not valid TOML: nested too deeply to read", source=str(path)) from None


def _confine_app_paths(app_paths, root: Path, where: str) -> None:
    """`app-paths` in the checked repository's pyproject.toml must lie inside that repository (the
    nearest folder holding `.git` at or above `root`, else `root`): `app-paths = ["/"]` in a pull
    request would otherwise walk the whole machine (/proc, /sys, every mounted volume). A path given
    with --app-path is the user's own choice and is not confined."""
    if not app_paths:
        return
    root = Path(os.path.abspath(root))
    limit = Path(os.path.realpath(next((d for d in (root, *root.parents) if (d / ".git").exists()), root)))
    for p in app_paths:
        real = Path(os.path.realpath(root / p))
        if not (real == limit or real.is_relative_to(limit)):
            raise SettingsError(
                f"app-paths {p!r} in {where} is outside the project ({limit}): alembic-guard only reads the project's own files",
                key="app_paths",
                hint="list folders of the application inside the repository, relative to the project root "
                     "(or pass --app-path on the command line)",
            )


def read(root: Path, **overrides: Any) -> tuple[Settings, Settings, str]:
    """(settings from pyproject's [tool.alembic-guard] alone, the same with `overrides` applied,
    where the pyproject settings came from): what `load` returns, plus what the rule registry needs
    to name the source of a wrong rule code (`rules.load_settings`)."""
    root = Path(root)
    pyproject = find_pyproject(root)
    data: Mapping[str, Any] = {}
    if pyproject is not None:
        data = read_pyproject(pyproject).get("tool", {}).get("alembic-guard", {})
    where = f"{pyproject}: {SECTION}" if pyproject else SECTION
    base = Settings.from_mapping(data, root=root, source=where)
    _confine_app_paths(base.app_paths, root, where)
    return base, base.replace(**overrides), where


def load(root: Path, **overrides: Any) -> Settings:
    """Settings for the project at `root`: pyproject's [tool.alembic-guard], then `overrides`.

    Rule codes (select, ignore, severity, per-path-ignores) are kept as written: the rules sit
    above this layer, so `rules.load_settings` (the CLI's loader) and `api.check` check them
    against the registry and turn names and lower-case codes into codes."""
    return read(root, **overrides)[1]


def _table_counts(value: Any, bad) -> Mapping[str, int]:
    """trace-rows: {table = N} (pyproject) or ("table=N", ...) (--rows): table -> N rows to seed."""
    items = value.items() if isinstance(value, Mapping) else None
    if items is None:
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, (tuple, list)):
            raise bad("a table of table = number of rows")
        items = []
        for text in value:
            table, sep, n = str(text).partition("=")
            if not sep:
                raise bad(f"TABLE=N, got {text!r}")
            items.append((table.strip(), n.strip()))
    out: dict[str, int] = {}
    for table, n in items:
        try:
            count = int(n)
        except (TypeError, ValueError):
            count = -1
        if not table or count < 0 or isinstance(n, bool):
            raise bad(f"a table name and a whole number of rows ≥ 0, got {table!r} = {n!r}")
        out[str(table)] = count
    return MappingProxyType(out)
