"""Which database an environment's migrations run on — from evidence, not placeholders.

Operation rules (AG4xx) and the session audit differ per dialect, so a wrong guess silently
switches rules off. The first of these that gives an answer decides:

1. the environment's only version folder named after a dialect (`versions/postgresql`,
   `versions/sqlite`: one history per dialect, chosen by the project at run time) — even over
   `--dialect`, since that history never runs anywhere else (the reason says so);
2. `--dialect` or `dialect` in [tool.alembic-guard]; then a folder on the way to the script location
   (`storage/sqlite_dos/migrations`, `storage/psql_dos/migrations`: one environment per back-end);
3. env.py's own URL or engine: a URL literal (`postgresql+asyncpg://...`) in env.py;
4. the project's declared drivers in pyproject.toml, setup.cfg, setup.py or requirements*.txt
   (psycopg, psycopg2, asyncpg, pg8000 -> postgresql; pymysql, mysqlclient, aiomysql, asyncmy,
   mysql-connector -> mysql) — when they name one dialect only;
5. dialect-specific types and options in the revision files (`sqlalchemy.dialects.postgresql`,
   `postgresql.JSONB`, `postgresql_using=`; the MySQL counterparts) — when one dialect dominates;
6. only then alembic.ini's `sqlalchemy.url`, unless it is a placeholder: Alembic's template
   `driver://user:pass@localhost/dbname`, a `{template}` value, or a URL saying it is overridden.

`choose(project)` returns (dialect or None, the reason). The reason is printed in the run's
summary line; with no answer the summary says "dialect unknown (why): rules of every dialect
ran (pass --dialect)" — never a silent choice.
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.settings import DIALECT_ALIASES, DIALECTS

_URL = re.compile(r"^\s*([a-zA-Z0-9_]+)(\+[a-zA-Z0-9_]+)?://")
_URL_LITERAL = re.compile(r"['\"](postgresql|postgres|mysql|mariadb|sqlite|mssql|oracle)(\+[a-zA-Z0-9_]+)?://")
DRIVERS = {
    "postgresql": ("psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary", "asyncpg", "pg8000"),
    "mysql": ("pymysql", "mysqlclient", "aiomysql", "asyncmy", "mysql-connector-python", "mariadb"),
}
_DRIVER_RE = {
    d: re.compile(r"(?im)^[\s\"'\-]*(" + "|".join(re.escape(n) for n in names) + r")\b(?![-\w.]*\s*=\s*\[)")
    for d, names in DRIVERS.items()
}
_TYPES = {
    "postgresql": re.compile(r"dialects\.postgresql|dialects import postgresql|postgresql\.[A-Z]|postgresql_\w+\s*="),
    "mysql": re.compile(r"dialects\.mysql|dialects import mysql|mysql\.[A-Z]|mysql_\w+\s*="),
}
_PLACEHOLDER = re.compile(r"^driver://|\{[^}]*\}|overrid|placeholder|changeme|will[-_/]?be", re.I)


def normalise(name: str) -> str:
    name = name.lower()
    return DIALECT_ALIASES.get(name, name)


def from_url(url: str | None) -> str | None:
    m = _URL.match(url or "")
    if not m:
        return None
    name = normalise(m.group(1))
    return name if name in DIALECTS else None


def _declared(roots: list[Path]) -> str | None:
    texts = []
    for root in dict.fromkeys(roots):
        for name in ("pyproject.toml", "setup.cfg", "setup.py", *sorted(p.name for p in root.glob("requirements*.txt"))):
            try:
                texts.append(reading.read_text(root / name, errors="replace", limit=reading.MAX_CONFIG_BYTES))
            except OSError:
                continue
        req = root / "requirements"
        if req.is_dir():
            for p in sorted(req.glob("*.txt"))[:20]:
                try:
                    texts.append(reading.read_text(p, errors="replace", limit=reading.MAX_CONFIG_BYTES))
                except OSError:
                    continue
    text = "\n".join(texts)
    found = [d for d, rx in _DRIVER_RE.items() if rx.search(text) or re.search(r"[\"']\s*(" + "|".join(DRIVERS[d]) + r")\b", text, re.I)]
    return found[0] if len(found) == 1 else None


def _named_in_path(project) -> tuple[str, str] | None:
    """A dialect named by a folder between the repository and the script location, when the
    repository holds one environment per back-end (`storage/sqlite_dos/migrations`,
    `storage/psql_dos/migrations`)."""
    try:
        parts = Path(project.layout.script_location).resolve().relative_to(Path(project.root).resolve()).parts
    except (ValueError, OSError):
        return None
    found = set()
    for part in parts:
        for word in re.split(r"[_\-.]", part.lower()):
            name = DIALECT_ALIASES.get(word, "postgresql" if word == "psql" else word)
            if name in DIALECTS:
                found.add((name, part))
    if len({n for n, _p in found}) == 1:
        name, part = sorted(found)[0]
        return name, f"folder `{part}` of the script location names it"
    return None


def choose(project) -> tuple[str | None, str]:
    settings, layout = project.settings, project.layout
    for loc in layout.version_locations:
        name = normalise(Path(loc).name)
        if name in DIALECTS and len(layout.version_locations) == 1:
            # a history kept for one dialect only ever runs there, whatever --dialect says for the rest
            if settings.dialect and settings.dialect != name:
                return name, (f"version folder `{Path(loc).name}` (one history per dialect; "
                              f"--dialect {settings.dialect} applies to the project's other histories)")
            return name, f"version folder `{Path(loc).name}` (one history per dialect)"
    if settings.dialect:
        return settings.dialect, "from --dialect / settings"
    named = _named_in_path(project)
    if named:
        return named
    env_py = Path(layout.env_py)
    try:
        env_text = reading.read_text(env_py, errors="replace") if env_py.is_file() else ""
    except OSError:
        env_text = ""
    urls = {normalise(m.group(1)) for m in _URL_LITERAL.finditer(env_text)}
    if len(urls) == 1:
        return urls.pop(), "a database URL in env.py"
    from alembic_guard.project.locate import project_root_of

    roots = [p for p in (project_root_of(Path(layout.script_location)), getattr(project, "app_root", None)) if p is not None]
    declared = _declared([Path(r) for r in roots])
    if declared:
        return declared, f"the project's declared {declared} driver (pyproject / requirements)"
    counts = {d: 0 for d in _TYPES}
    for mig in project.migrations:
        src = mig.source or ""
        for d, rx in _TYPES.items():
            if d in src:
                counts[d] += len(rx.findall(src))
    best = max(counts, key=lambda d: counts[d])
    others = sum(v for d, v in counts.items() if d != best)
    if counts[best] >= 3 and counts[best] >= 4 * others:
        return best, f"{best}-specific types/options in the revision files ({counts[best]} uses)"
    url = layout.sqlalchemy_url
    if url and _PLACEHOLDER.search(url):
        return None, f"alembic.ini's sqlalchemy.url `{_mask(url)}` is a placeholder and nothing else says"
    name = from_url(url)
    if name:
        return name, "alembic.ini sqlalchemy.url"
    if url:
        return None, f"alembic.ini's sqlalchemy.url `{_mask(url)}` names no known dialect"
    return None, "no --dialect, no URL in env.py or alembic.ini, no declared driver"


def _mask(url: str) -> str:
    from alembic_guard.masking import mask_url

    try:
        return mask_url(url)
    except Exception:  # noqa: BLE001
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
