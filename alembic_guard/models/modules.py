"""Static module resolution for one analysed project: which file is module `a.b.c`?

`ModuleFinder` owns reading and parsing the project's Python files (each once), finding the file
(or namespace folder) Python would load for a dotted name along the same roots Python would use
when Alembic runs env.py (`prepend_sys_path` from alembic.ini, the project root, a `src/` folder,
env.py's folder and its parent), naming a file as a module, listing a package's submodules and
reading a module's literal `__all__`. It must not follow imports (that is `imports.ModuleIndex`,
which builds on it) and never imports or executes the project's code.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.core.astdepth import too_deep_message
from alembic_guard.models.statements import runtime_statements


@dataclass
class Source:
    path: Path
    text: str | None = None
    tree: ast.Module | None = None
    error: str | None = None  # why it could not be read / parsed
    error_line: int | None = None


class ModuleFinder:
    """Static module resolution for one project: files, module names, packages, `__all__`."""

    def __init__(self, roots: Iterable[Path], project_root: Path):
        seen: list[Path] = []
        for r in roots:
            r = Path(os.path.abspath(r))
            if r not in seen and r.is_dir():
                seen.append(r)
        self.roots: tuple[Path, ...] = tuple(seen)
        self.project_root = Path(os.path.abspath(project_root))
        self._sources: dict[Path, Source] = {}
        self._find_cache: dict[str, Path | None] = {}
        self._all_cache: dict[Path, tuple[str, ...] | None] = {}
        self._dir_cache: dict[tuple[Path, tuple[str, ...]], Path | None] = {}

    # ------------------------------------------------------------------ files
    def _read(self, path: Path) -> Source:
        src = self._sources.get(path)
        if src is not None:
            return src
        path = Path(os.path.abspath(path))
        src = self._sources.get(path)
        if src is None:
            src = Source(path)
            try:
                src.text = reading.read_text(path, encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                src.error = f"cannot read: {getattr(exc, 'strerror', None) or exc}"
            self._sources[path] = src
        return src

    def text(self, path: Path) -> str | None:
        """The file's text, read once; not parsed."""
        return self._read(path).text

    def source(self, path: Path) -> Source:
        """The file read and parsed (once)."""
        src = self._read(path)
        if src.tree is None and src.text is not None and src.error is None:
            try:
                src.tree = ast.parse(src.text, filename=str(src.path))
            except SyntaxError as exc:
                src.error = "invalid syntax" if exc.msg == "invalid syntax" else f"invalid syntax: {exc.msg}"
                src.error_line = exc.lineno
            except ValueError as exc:  # null bytes
                src.error = f"cannot parse: {exc}"
            except (RecursionError, MemoryError) as exc:  # valid-looking, but deeper than Python's parser goes
                src.error = f"cannot parse: {too_deep_message(exc)}"
        return src

    def tree(self, path: Path) -> ast.Module | None:
        return self.source(path).tree

    # ------------------------------------------------------------------ resolution
    def _in_dir(self, folder: Path, parts: list[str]) -> Path | None:
        key = (folder, tuple(parts))
        try:
            return self._dir_cache[key]
        except KeyError:
            hit = self._dir_cache[key] = self._in_dir_uncached(folder, parts)
            return hit

    @staticmethod
    def _in_dir_uncached(folder: Path, parts: list[str]) -> Path | None:
        """File of module `parts` below `folder`: package `__init__.py`, module `.py`, or a
        namespace-package directory."""
        target = folder.joinpath(*parts) if parts else folder
        init = target / "__init__.py"
        try:
            if init.is_file():
                return init
            if parts:
                mod = target.parent / (parts[-1] + ".py")
                if mod.is_file():
                    return mod
            if target.is_dir():
                return target  # namespace package
        except OSError:  # a folder this user may not read (a database volume): not resolvable
            return None
        return None

    def find(self, dotted: str) -> Path | None:
        """The file (or namespace directory) Python would load for `dotted`, or None (external)."""
        if dotted in self._find_cache:
            return self._find_cache[dotted]
        parts = dotted.split(".")
        found: Path | None = None
        namespace: Path | None = None
        for root in self.roots:
            hit = self._in_dir(root, parts)
            if hit is None:
                continue
            if hit.is_dir():
                namespace = namespace or hit
                continue
            found = hit
            break
        result = found or namespace
        self._find_cache[dotted] = result
        return result

    def _chain(self, dotted: str) -> list[Path]:
        """Files executed by `import a.b.c`: a/__init__.py, a/b/__init__.py, a/b/c.py."""
        out: list[Path] = []
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):
            hit = self.find(".".join(parts[:i]))
            if hit is None:
                return out
            out.append(hit)
        return out

    def package_dir(self, path: Path) -> Path:
        """The folder relative imports in `path` start from."""
        return path if path.is_dir() else path.parent

    def _relative_chain(self, path: Path, level: int, module: str | None) -> list[Path]:
        base = self.package_dir(path)
        for _ in range(level - 1):
            base = base.parent
        out: list[Path] = []
        if not module:
            return out
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            hit = self._in_dir(base, parts[:i])
            if hit is None:
                return out
            out.append(hit)
        return out

    def _relative_base(self, path: Path, level: int, module: str | None) -> Path | None:
        base = self.package_dir(path)
        for _ in range(level - 1):
            base = base.parent
        if not module:
            return self._in_dir(base, []) if base.is_dir() else None
        return self._in_dir(base, module.split("."))

    def submodule(self, package: Path, name: str) -> Path | None:
        """`package` is a package (its `__init__.py` or namespace dir): its submodule `name`."""
        if package.is_dir():
            folder = package
        elif package.name == "__init__.py":
            folder = package.parent
        else:
            return None
        hit = self._in_dir(folder, [name])
        return hit

    def submodules(self, package: Path, recursive: bool = False) -> list[Path]:
        if package.is_dir():
            folder = package
        elif package.name == "__init__.py":
            folder = package.parent
        else:
            return []
        out: list[Path] = []
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return out
        for entry in entries:
            if entry.name.startswith((".", "__pycache__")):
                continue
            if entry.is_file() and entry.name.endswith(".py") and entry.name != "__init__.py":
                out.append(Path(entry.path))
            elif entry.is_dir() and (Path(entry.path) / "__init__.py").is_file():
                init = Path(entry.path) / "__init__.py"
                out.append(init)
                if recursive:
                    out.extend(self.submodules(init, recursive=True))
        return out

    def name_of(self, path: Path) -> str | None:
        """Dotted module name of a file, relative to the deepest root that contains it."""
        path = Path(os.path.abspath(path))
        best: tuple[str, ...] | None = None
        for root in self.roots:
            try:
                rel = path.relative_to(root)
            except ValueError:
                continue
            parts = list(rel.parts)
            if not parts:
                continue
            if parts[-1] == "__init__.py":
                parts = parts[:-1]
            elif parts[-1].endswith(".py"):
                parts[-1] = parts[-1][:-3]
            if not parts or not all(p.isidentifier() for p in parts):
                continue
            if best is None or len(parts) < len(best):
                best = tuple(parts)
        return ".".join(best) if best else None

    # ------------------------------------------------------------------ __all__
    def dunder_all(self, path: Path) -> tuple[str, ...] | None:
        """Static `__all__` of a module, or None when it has none (or it is not a literal)."""
        if path in self._all_cache:
            return self._all_cache[path]
        tree = self.tree(path) if path.is_file() else None
        names: list[str] | None = None
        if tree is not None:
            for stmt in runtime_statements(tree.body):
                value = None
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets):
                    names, value = [], stmt.value
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == "__all__":
                    names, value = [], stmt.value
                elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == "__all__":
                    names, value = names or [], stmt.value
                elif (
                    isinstance(stmt, ast.Expr)
                    and isinstance(stmt.value, ast.Call)
                    and isinstance(stmt.value.func, ast.Attribute)
                    and isinstance(stmt.value.func.value, ast.Name)
                    and stmt.value.func.value.id == "__all__"
                    and stmt.value.func.attr in ("append", "extend")
                    and stmt.value.args
                ):
                    names = names or []
                    arg = stmt.value.args[0]
                    value = ast.List(elts=[arg]) if stmt.value.func.attr == "append" else arg
                if value is not None and names is not None:
                    names.extend(_literal_strings(value))
        result = tuple(names) if names is not None else None
        self._all_cache[path] = result
        return result


def _literal_strings(node: ast.expr) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_strings(node.left) + _literal_strings(node.right)
    return []
