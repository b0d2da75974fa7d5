"""Module resolution and import closures, read from the AST (nothing is imported).

`ModuleIndex` answers three questions about the analysed project:

- which file is module `a.b.c`? (`find`) — searched along the same roots Python would use when
  Alembic runs env.py: `prepend_sys_path` from alembic.ini (Alembic's template default is `.`), the
  project root, a `src/` folder, env.py's folder and its parent;
- which modules does a file import when it is executed? (`edges`) — absolute and relative imports,
  the parent packages they execute, `from pkg import name` where `name` is a submodule,
  `from pkg import *` (which imports the submodules named in `__all__`, and only those),
  `importlib.import_module("literal")` / `__import__("literal")`, and the
  `pkgutil.iter_modules(__path__)` + `import_module(...)` auto-import idiom. Imports under
  `if TYPE_CHECKING:` and `if __name__ == "__main__":` do not count; imports inside a function count
  only when the module itself calls that function at import time (or `eager=True`);
- which files does executing a file load, transitively? (`closure`), with the first import that
  reached each file, so findings can explain the chain.
"""

from __future__ import annotations

import ast
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.astdepth import too_deep_message
from alembic_guard import reading


@dataclass(frozen=True)
class Edge:
    """One import in one file, resolved to the files it executes (parents first)."""

    files: tuple[Path, ...]
    line: int
    text: str  # the import as written, for messages
    in_function: str | None = None  # the function whose body holds it, if any


@dataclass
class Source:
    path: Path
    text: str | None = None
    tree: ast.Module | None = None
    error: str | None = None  # why it could not be read / parsed
    error_line: int | None = None


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Constant) and test.value is False:
        return True
    return False


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def runtime_statements(body: Iterable[ast.stmt], into_classes: bool = True) -> Iterable[ast.stmt]:
    """Statements executed when a block runs, flattening if/try/with/loops (and class bodies when
    `into_classes`); skips TYPE_CHECKING and `__main__` branches. Function definitions are
    yielded, not entered."""
    rec = lambda b: runtime_statements(b, into_classes)  # noqa: E731
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            if _is_type_checking(stmt.test) or _is_main_guard(stmt.test):
                yield from rec(stmt.orelse)
                continue
            yield from rec(stmt.body)
            yield from rec(stmt.orelse)
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            yield from rec(stmt.body)
            for handler in stmt.handlers:
                yield from rec(handler.body)
            yield from rec(stmt.orelse)
            yield from rec(stmt.finalbody)
        elif isinstance(stmt, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            yield from rec(stmt.body)
            yield from rec(stmt.orelse if hasattr(stmt, "orelse") else [])
        elif isinstance(stmt, ast.ClassDef) and into_classes:
            yield from rec(stmt.body)


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


class ModuleIndex:
    """Static module resolution for one project."""

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
        self._edges_cache: dict[tuple[Path, bool], tuple[Edge, ...]] = {}
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


def _literal_strings(node: ast.expr) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_strings(node.left) + _literal_strings(node.right)
    return []


@dataclass(frozen=True)
class ScanPolicy:
    """Which files are searched for models (documented in docs/autogenerate-missing-models.md)."""

    include: tuple[Path, ...]
    exclude_dirs: tuple[Path, ...] = ()
    exclude_globs: tuple[str, ...] = ()
    skip_names: frozenset[str] = frozenset({"tests", "test"})  # on top of project.files.SKIP_DIRS


_TEST_FILES = ("conftest.py", "setup.py", "noxfile.py")


def _is_model_candidate(name: str) -> bool:
    return not (name.startswith("test_") or name.endswith("_test.py") or name in _TEST_FILES)


def scan_files(policy: ScanPolicy, root: Path, skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Python files to search for models, sorted: the shared project walker (hidden folders,
    virtualenvs, site-packages, build output, `exclude` globs) without test folders, test files
    and the migrations' version folders."""
    from alembic_guard.project.files import python_files

    return python_files(
        policy.include,
        root=root,
        skip_dirs=policy.skip_names,
        exclude_dirs=policy.exclude_dirs,
        exclude_globs=policy.exclude_globs,
        keep_file=_is_model_candidate,
        skipped=skipped,
    )


