"""Import edges and closures of the analysed project, read from the AST (nothing is imported).

`ModuleIndex` (module resolution from `modules.ModuleFinder`, plus what this module adds) owns two
questions: which modules does a file import when it is executed? (`edges`) — absolute and relative
imports, the parent packages they execute, `from pkg import name` where `name` is a submodule,
`from pkg import *` (which imports the submodules named in `__all__`, and only those),
`importlib.import_module("literal")` / `__import__("literal")`, and the
`pkgutil.iter_modules(__path__)` + `import_module(...)` auto-import idiom; imports under
`if TYPE_CHECKING:` and `if __name__ == "__main__":` do not count, and imports inside a function
count only when the module itself calls that function at import time (or `eager=True`) — and which
files does executing a file load, transitively? (`closure`), with the first import that reached
each file, so findings can explain the chain. It must not evaluate what names refer to
(`evaluator.py`) or decide what is a model (`discover.py`).
"""

from __future__ import annotations

import ast
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.models.modules import ModuleFinder
from alembic_guard.models.statements import runtime_statements


@dataclass(frozen=True)
class Edge:
    """One import in one file, resolved to the files it executes (parents first)."""

    files: tuple[Path, ...]
    line: int
    text: str  # the import as written, for messages
    in_function: str | None = None  # the function whose body holds it, if any


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _calls_in(stmt: ast.stmt) -> Iterable[ast.Call]:
    """Calls a statement makes when it runs: its expressions, decorators and defaults, not the
    bodies of functions, classes or lambdas, and not nested statements (`runtime_statements`
    yields those separately)."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend(node.decorator_list)
            stack.extend(d for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None)
            continue
        if isinstance(node, ast.ClassDef):
            stack.extend((*node.decorator_list, *node.bases, *(k.value for k in node.keywords)))
            continue
        if isinstance(node, ast.Lambda):
            continue
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt):
                stack.append(child)


class ModuleIndex(ModuleFinder):
    """Static import edges and closures for one project, over its module resolution."""

    def __init__(self, roots: Iterable[Path], project_root: Path):
        super().__init__(roots, project_root)
        self._edges_cache: dict[tuple[Path, bool], tuple[Edge, ...]] = {}

    # ------------------------------------------------------------------ edges
    def edges(self, path: Path, eager: bool = False, start: bool = False) -> tuple[Edge, ...]:
        """Imports executed when `path` is imported. `eager`: also every function body (an app
        factory, or application code that runs its functions). `start`: the file is run as an
        entry point (env.py): every call it makes is examined."""
        key = (path, eager, start)
        if key in self._edges_cache:
            return self._edges_cache[key]
        tree = self.tree(path) if path.is_file() else None
        out: list[Edge] = []
        if tree is not None:
            functions = _top_functions(tree)
            called: set[str] = set()
            pending = [s for s in runtime_statements(tree.body) if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
            text = self.source(path).text or ""
            # scanning calls is the slow part: only needed for dynamic imports, to see which
            # functions holding imports the module calls, or in an entry point
            scan_calls = start or any(m in text for m in _DYNAMIC_MARKERS) or (
                not eager and any(_has_import(f) for f in functions.values())
            )
            self._collect(path, pending, None, out, called, scan_calls)
            self._local_calls(path, functions, called, out, scan_calls, every=eager)
            if scan_calls:
                # calls of functions defined in other project modules (`app = create_app()`)
                for name in sorted(called):
                    if name in functions:
                        continue
                    target = self._resolve_function(path, tree, name)
                    if target is not None:
                        out.extend(self.function_edges(*target))
        result = tuple(out)
        self._edges_cache[key] = result
        return result

    def _local_calls(self, path: Path, functions: dict, called: set[str], out: list[Edge], scan_calls: bool,
                     every: bool = False) -> None:
        done: set[str] = set()
        while True:
            todo = sorted(n for n in (set(functions) if every else called) - done if n in functions)
            if not todo:
                return
            for name in todo:
                done.add(name)
                body = list(_function_statements(functions[name].body))
                self._collect(path, body, name, out, called, scan_calls)

    def function_edges(self, path: Path, name: str) -> tuple[Edge, ...]:
        """Imports executed by calling function `name` of module `path` (and the functions of that
        module it calls)."""
        key = (path, f"def {name}", False)
        if key in self._edges_cache:
            return self._edges_cache[key]
        self._edges_cache[key] = ()  # recursion guard
        tree = self.tree(path)
        out: list[Edge] = []
        if tree is not None:
            functions = _top_functions(tree)
            if name in functions:
                called: set[str] = {name}
                self._local_calls(path, functions, called, out, True)
        result = tuple(out)
        self._edges_cache[key] = result
        return result

    def _imported_names(self, path: Path, tree: ast.Module) -> dict[str, tuple[Path, str | None]]:
        """Module-level import bindings: name -> (module file, attribute or None for the module)."""
        out: dict[str, tuple[Path, str | None]] = {}
        for stmt in runtime_statements(tree.body, into_classes=False):
            if isinstance(stmt, ast.Import):
                for a in stmt.names:
                    target = a.name if a.asname else a.name.split(".")[0]
                    hit = self.find(target)
                    if hit is not None:
                        out[a.asname or target] = (hit, None)
            elif isinstance(stmt, ast.ImportFrom):
                base = (self._relative_base(path, stmt.level, stmt.module) if stmt.level
                        else (self.find(stmt.module) if stmt.module else None))
                if base is None:
                    continue
                for a in stmt.names:
                    if a.name != "*":
                        out[a.asname or a.name] = (base, a.name)
        return out

    def _resolve_function(self, path: Path, tree: ast.Module, name: str, hops: int = 3) -> tuple[Path, str] | None:
        """(module file, function name) that a call `name(...)` / `mod.name(...)` in `path` runs."""
        head, _, rest = name.partition(".")
        binding = self._imported_names(path, tree).get(head)
        if binding is None:
            return None
        base, attr = binding
        if rest:  # mod.func(): `head` must be a module
            if "." in rest:
                return None
            module = base if attr is None else self.submodule(base, attr)
            if module is None or not module.is_file():
                return None
            return self._defining(module, rest, hops)
        if attr is None or not base.is_file():
            return None
        return self._defining(base, attr, hops)

    def _defining(self, module: Path, func: str, hops: int) -> tuple[Path, str] | None:
        tree = self.tree(module)
        if tree is None:
            return None
        if func in _top_functions(tree):
            return module, func
        if hops > 0:  # re-exported: `from .factory import create_app` in a package __init__
            return self._resolve_function(module, tree, func, hops - 1)
        return None

    def _collect(self, path: Path, stmts: list[ast.stmt], func: str | None, out: list[Edge], called: set[str],
                 scan_calls: bool = True) -> None:
        dynamic_names = False
        walks: set[str] = set()
        for stmt in stmts:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    out.append(Edge(tuple(self._chain(alias.name)), stmt.lineno, f"import {alias.name}", func))
                continue
            elif isinstance(stmt, ast.ImportFrom):
                out.extend(self._from_edges(path, stmt, func))
                continue
            if not scan_calls or isinstance(stmt, (ast.ClassDef, ast.Pass)):
                continue
            for call in _calls_in(stmt):
                fname = _dotted(call.func)
                if fname is None:
                    continue
                last = fname.rsplit(".", 1)[-1]
                called.add(fname)
                if last in ("import_module", "__import__") and call.args:
                    arg = call.args[0]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        target = arg.value
                        package = None
                        pkg_node = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "package"), None)
                        if target.startswith("."):
                            level = len(target) - len(target.lstrip("."))
                            module = target.lstrip(".") or None
                            if isinstance(pkg_node, ast.Constant) and isinstance(pkg_node.value, str):
                                package = pkg_node.value
                                files = self._chain(package + ("." + module if module else ""))
                            else:  # __name__ / __package__: relative to this file
                                files = self._relative_chain(path, level, module)
                        else:
                            files = self._chain(target)
                        out.append(Edge(tuple(files), call.lineno, f'{fname}("{target}")', func))
                    else:
                        dynamic_names = True
                elif last in ("iter_modules", "walk_packages"):
                    walks.add(last)
        if dynamic_names and walks and path.name == "__init__.py":
            # for _, name, _ in pkgutil.iter_modules(__path__): importlib.import_module(f"{__name__}.{name}")
            subs = self.submodules(path, recursive="walk_packages" in walks)
            for sub in subs:
                out.append(Edge((sub,), 0, "pkgutil auto-import of the package's submodules", func))

    def _from_edges(self, path: Path, stmt: ast.ImportFrom, func: str | None) -> list[Edge]:
        module = stmt.module
        text = f"from {'.' * stmt.level}{module or ''} import {', '.join(a.name for a in stmt.names)}"
        if stmt.level:
            chain = self._relative_chain(path, stmt.level, module)
            base = self._relative_base(path, stmt.level, module)
        else:
            chain = self._chain(module or "")
            base = self.find(module) if module else None
            if base is not None and chain and chain[-1] != base:
                base = None
        files = list(chain)
        if base is not None and (base.is_dir() or base.name == "__init__.py"):
            for alias in stmt.names:
                if alias.name == "*":
                    for name in self.dunder_all(base) or ():
                        sub = self.submodule(base, name)
                        if sub is not None:
                            files.append(sub)
                else:
                    sub = self.submodule(base, alias.name)
                    if sub is not None:
                        files.append(sub)
        return [Edge(tuple(files), stmt.lineno, text, func)]

    # ------------------------------------------------------------------ closure
    def closure(self, starts: Iterable[Path | tuple[Path, bool]]) -> dict[Path, tuple[Path, Edge] | None]:
        """Every file loaded by executing `starts` (paths, or (path, eager) pairs):
        file -> (importing file, edge), or None for a start."""
        reached: dict[Path, tuple[Path, Edge] | None] = {}
        queue: deque[tuple[Path, bool, bool]] = deque()
        for s in starts:
            s, eager = s if isinstance(s, tuple) else (s, False)
            s = Path(os.path.abspath(s))
            if s not in reached:
                reached[s] = None
                queue.append((s, eager, True))
        while queue:
            current, eager, start = queue.popleft()
            for edge in self.edges(current, eager=eager, start=start):
                for f in edge.files:
                    if f not in reached:
                        reached[f] = (current, edge)
                        queue.append((f, False, False))
        return reached


_DYNAMIC_MARKERS = ("import_module", "__import__", "iter_modules", "walk_packages")


def _top_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    out: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for stmt in runtime_statements(tree.body, into_classes=False):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.setdefault(stmt.name, stmt)
    return out


def _has_import(func: ast.AST) -> bool:
    return any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(func))


def _function_statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    for stmt in runtime_statements(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        yield stmt
