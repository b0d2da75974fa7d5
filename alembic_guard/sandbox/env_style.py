"""What the round trip needs to know about env.py before running it, read with `ast`, and what
to tell the user when it fails to import.

- `is_async_env`: env.py drives Alembic through an asyncio engine (`alembic init -t async`, or a
  hand-written `connection.run_sync(...)`): it gets an async driver in the sandbox URL.
- `sync_driver_of`: the project configures such an env.py with a driver that has no asyncio
  flavour (psycopg2, pysqlite, pymysql...): the real `alembic upgrade` stops with SQLAlchemy's
  "The asyncio extension requires an async driver" (AG308), whatever the sandbox swaps in.
- `missing_module_hint`: env.py (or a revision file) imports a module of the project that is not
  on sys.path when Alembic runs: which `prepend_sys_path` makes it importable, computed from
  where the module really is in the repository.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

_ASYNC_CALLS = {"async_engine_from_config", "create_async_engine", "run_sync"}
_ASYNC_NAMES = {"AsyncEngine", "AsyncConnection"}
_SKIP_DIRS = {".git", ".hg", ".venv", "venv", "env", ".tox", ".nox", "node_modules", "site-packages",
              "__pycache__", "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_MAX_DIRS = 5000  # a repository bigger than this is searched no further


def is_async_env(source: str) -> bool:
    """env.py runs its migrations through asyncio: an async engine, `run_sync`, or an
    `async def` driven by `asyncio.run`. Comments and strings do not count.

    >>> is_async_env("import asyncio\\nasync def go(): ...\\nasyncio.run(go())")
    True
    >>> is_async_env("# asyncio.run(x) would be async\\nimport sqlalchemy")
    False
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return any(m in source for m in (*_ASYNC_CALLS, *_ASYNC_NAMES))
    has_async_def = asyncio_run = False
    for node in ast.walk(tree):
        if isinstance(node, (ast.AsyncFunctionDef, ast.AsyncWith)):
            has_async_def = True
        elif isinstance(node, ast.Attribute):
            if node.attr in _ASYNC_CALLS or node.attr in _ASYNC_NAMES:
                return True
            if node.attr == "run" and isinstance(node.value, ast.Name) and node.value.id == "asyncio":
                asyncio_run = True
        elif isinstance(node, ast.Name) and (node.id in _ASYNC_CALLS or node.id in _ASYNC_NAMES):
            return True
        elif isinstance(node, ast.alias) and (node.name.rsplit(".", 1)[-1] in _ASYNC_CALLS | _ASYNC_NAMES):
            return True
    return has_async_def and asyncio_run


def sync_driver_of(url: str | None) -> str | None:
    """The driver of `url` when SQLAlchemy's asyncio extension refuses it (None: async-capable,
    or no usable URL: a placeholder, an interpolation, an unknown dialect).

    >>> sync_driver_of("postgresql+psycopg2://app@db/app")
    'psycopg2'
    >>> sync_driver_of("postgresql+asyncpg://app@db/app") is None
    True
    """
    import sqlalchemy as sa

    if not url or "%(" in url or "${" in url:
        return None
    try:
        parsed = sa.engine.make_url(url.strip())
        if parsed.get_backend_name() == "driver":  # `alembic init`'s placeholder
            return None
        dialect = parsed.get_dialect(_is_async=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy knows: nothing to say about it
        return None
    return None if getattr(dialect, "is_async", False) else str(dialect.driver)


def missing_module_hint(exc: BaseException, *, cwd: Path, search_roots: tuple[Path, ...], ini_path: Path | None,
                        prepend: tuple[str, ...], section: str = "alembic") -> str | None:
    """For a ModuleNotFoundError of a module that exists in the project (not a missing package):
    the `prepend_sys_path` entry that makes it importable, relative to the working directory
    `alembic` runs in (`cwd`, as Alembic resolves it)."""
    name = getattr(exc, "name", None)
    if not isinstance(exc, ModuleNotFoundError) or not name:
        return None
    top = name.split(".", 1)[0]
    found = search_root = None
    for search_root in search_roots:
        found = find_module(top, search_root)
        if found is not None:
            break
    if found is None or search_root is None:
        return None
    folder = (found.parent if found.name == "__init__.py" else found).parent  # what goes on sys.path
    rel = os.path.relpath(folder, cwd).replace(os.sep, "/")
    what = f"`{top}` ({os.path.relpath(found, search_root).replace(os.sep, '/')})"
    if any((cwd / p).resolve() == folder.resolve() for p in prepend):
        return (f"{what} is in `{rel}`, which prepend_sys_path already names: check that `alembic` runs from "
                f"{cwd.name or cwd} and that the module imports without errors")
    if ini_path is not None and ini_path.suffix != ".toml":
        where = f"[{section}] of {ini_path.name}"
        entry = f"prepend_sys_path = {' '.join([*prepend, rel]) if prepend else rel}"
    else:
        where = "[tool.alembic] of pyproject.toml"
        entry = f"prepend_sys_path = {[*prepend, rel]!r}".replace("'", '"')
    installable = any((folder / f).is_file() for f in ("pyproject.toml", "setup.py")) or (
        folder.name == "src" and any((folder.parent / f).is_file() for f in ("pyproject.toml", "setup.py")))
    return (f"{what} is not on sys.path when Alembic runs env.py (it resolves prepend_sys_path from the "
            f"working directory, {'this folder' if rel == '.' else 'the folder of ' + (ini_path.name if ini_path else 'the project')}): "
            f"add `{entry}` to {where}"
            + (" (or install the project into the environment alembic runs in: `pip install -e .`)" if installable else ""))


def search_roots(start: Path, given: Path | None) -> tuple[Path, ...]:
    """Where to look for a project module: the project folder, then the folder that was checked,
    then up to the repository's top (a folder with .git), at most three levels up."""
    out = [start.resolve()]
    if given is not None and given.resolve() not in out and start.resolve().is_relative_to(given.resolve()):
        out.append(given.resolve())
    here = start.resolve()
    for _ in range(3):
        if (here / ".git").exists() or here.parent == here:
            break
        here = here.parent
        if here not in out:
            out.append(here)
    return tuple(out)


def find_module(top: str, root: Path) -> Path | None:
    """`top.py` or `top/` (a package, or a namespace folder holding .py files) in the repository
    under `root`, the shallowest first; virtualenvs, caches and VCS folders are not searched."""
    seen = 0
    level = [root]
    while level and seen < _MAX_DIRS:
        nxt = []
        for folder in sorted(level):
            seen += 1
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            names = {e.name: e for e in entries}
            module = names.get(f"{top}.py")
            if module is not None and module.is_file(follow_symlinks=False):
                return Path(module.path)
            pkg = names.get(top)
            if pkg is not None and pkg.is_dir(follow_symlinks=False):
                init = Path(pkg.path) / "__init__.py"
                if init.is_file():
                    return init
                if any(p.suffix == ".py" for p in Path(pkg.path).iterdir()):
                    return Path(pkg.path)
            nxt.extend(e.path for e in entries if e.is_dir(follow_symlinks=False)
                       and e.name not in _SKIP_DIRS and not e.name.startswith(".") and not e.name.endswith(".egg-info"))
        level = [Path(p) for p in nxt]
    return None
