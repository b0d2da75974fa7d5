"""Project helpers a revision imports: does the helper contain any DDL at all?

A revision that calls `from app.migration_utils import log_progress` and `log_progress(op, "x")`
cannot be read through the call, but when the helper's own source (read with `ast`, never run)
touches no `op`, runs no SQL text with DDL keywords and calls no other project helper, it changes
no schema: AG423 ("not analysed") would be noise. Anything we cannot see makes the answer "no".
"""

from __future__ import annotations

import ast
import builtins
import functools
import re
from pathlib import Path

from alembic_guard.core import reading

_DDL = re.compile(r"(?i)\b(create|alter|drop|truncate|rename|reindex|vacuum|cluster|grant|revoke|comment\s+on)\b")
_SCHEMA_CALLS = {"create", "drop", "create_all", "drop_all", "execute", "exec_driver_sql", "batch_alter_table",
                 "get_bind", "connection", "begin", "executescript"}
_MAX_PARENTS = 8


def _module_file(start: Path, dotted: str) -> tuple[Path, str] | None:
    """(file, name inside it) for `pkg.mod.func`, looking in the folders above the revision file."""
    parts = dotted.lstrip(".").split(".")
    if len(parts) < 2:
        return None
    mod, name = parts[:-1], parts[-1]
    folders = [start.parent, *start.parents][:_MAX_PARENTS]
    for folder in folders:
        for cand in (folder.joinpath(*mod).with_suffix(".py"), folder.joinpath(*mod, "__init__.py")):
            if cand.is_file():
                return cand, name
    return None


@functools.lru_cache(maxsize=512)
def _tree(path: Path, mtime: float) -> ast.Module | None:
    try:
        return ast.parse(reading.read_text(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return None


def _ddl_free(node: ast.AST, defs: dict, seen: set) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id == "op":
            return False
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and _DDL.search(n.value):
            return False
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            return False  # whatever it imports could do anything
        if isinstance(n, ast.Call):
            f = n.func
            if isinstance(f, ast.Attribute) and f.attr in _SCHEMA_CALLS:
                return False
            if isinstance(f, ast.Name) and f.id in defs and f.id not in seen:
                seen.add(f.id)
                if not _ddl_free(defs[f.id], defs, seen):
                    return False
            elif isinstance(f, ast.Name) and not hasattr(builtins, f.id) and f.id not in defs:
                return False  # an imported function: not visible from here
    return True


def helper_is_ddl_free(revision_file: Path | str, dotted: str) -> bool:
    """True when `dotted` (module path + function/class name) is a project function or class whose
    source we can read and which contains no DDL (see the module docstring)."""
    try:
        found = _module_file(Path(revision_file), dotted)
        if found is None:
            return False
        path, name = found
        tree = _tree(path, path.stat().st_mtime)
    except OSError:
        return False
    if tree is None:
        return False
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    target = defs.get(name)
    if target is None:
        return False
    return _ddl_free(target, defs, {name})
