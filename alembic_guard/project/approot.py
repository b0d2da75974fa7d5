"""The application an environment belongs to: `Project.app_root`, read statically.

The models analysis (AG2xx) and the session audit (AG5xx) read the application's code. Which
code is decided per environment, wherever its ini sits (beside the repository root, inside the
package, inside the migrations folder):

1. the top-level package env.py imports its `target_metadata` from (`from glance.db.sqlalchemy
   import models` ... `target_metadata = models.BASE.metadata` -> the `glance/` package), found in
   the repository's own folders (never in site-packages, never imported);
2. else the first project package env.py imports at all;
3. else the project root above the script location: the nearest folder holding pyproject.toml,
   setup.py, setup.cfg or .git (Flask-Migrate's `current_app` env.py: the whole project) — but
   never above the folder alembic-guard was pointed at (PATH, `.` by default; with `-c FILE` too),
   unless that folder is itself inside a package (alembic.ini inside the migrations package),
   whose chain is followed up; the migrations folder itself is never the application.

`app_root(layout)` returns that folder; `--app-path` still overrides what is scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

from alembic_guard.project.locate import find_package, package_roots, project_root_of
from alembic_guard.project.revision_file import read_source_module

_NOT_APP = frozenset({"alembic", "sqlalchemy", "sqlmodel", "flask", "flask_migrate", "flask_sqlalchemy", "logging",
                      "os", "sys", "typing", "asyncio", "logging.config", "__future__", "pathlib", "re", "configparser"})


def _within(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def metadata_packages(env_py: Path) -> tuple[list[str], list[str]]:
    """(packages target_metadata comes from, every absolute top-level package env.py imports)."""
    tree = read_source_module(env_py) if env_py.is_file() else None
    if tree is None:
        return [], []
    bound: dict[str, str] = {}  # local name -> module it came from
    imported: list[str] = []
    metadata_names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.append(node.module)
            for alias in node.names:
                bound[alias.asname or alias.name] = node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported.append(alias.name)
                bound[alias.asname or alias.name.split(".")[0]] = alias.name
        value = None
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in node.targets):
            value = node.value
        elif isinstance(node, ast.keyword) and node.arg == "target_metadata":
            value = node.value
        if value is not None:
            metadata_names += [n.id for n in ast.walk(value) if isinstance(n, ast.Name)]
    tops = [bound[n] for n in metadata_names if n in bound]
    return [m for m in tops if m.split(".")[0] not in _NOT_APP], [m for m in imported if m.split(".")[0] not in _NOT_APP]


def app_root(layout, given: Path | None = None) -> Path:
    """See the module docstring. `given`: the folder the user pointed at (default: the layout's root)."""
    script = Path(layout.script_location).absolute()
    # never above the folder the user named, unless that folder is inside a package (an ini
    # inside the migrations package: lemur), whose chain is followed up; the migrations folder
    # itself is never the application
    limit = Path(given if given is not None else layout.root).absolute()
    if limit == script or _within(limit, script):
        limit = script.parent
    while (limit / "__init__.py").is_file() and limit.parent != limit:
        limit = limit.parent
    if _within(script, limit):
        project = project_root_of(script, stop=limit) or limit
    else:
        project = project_root_of(script) or (layout.ini_path.parent if layout.ini_path else script.parent)
    from_metadata, imported = metadata_packages(Path(layout.env_py))
    for module in [*from_metadata, *imported]:
        top = module.split(".")[0]
        # (also the package chain above a migrations folder that is not a package itself)
        folder = find_package(top, (*layout.module_roots, *package_roots(script.parent)))
        if folder is not None and (folder / "__init__.py").is_file() and _within(folder, project):
            return folder.absolute()
    return Path(project).absolute()
