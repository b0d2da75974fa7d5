"""Static values of module-level names: `module_scope` reads a module's top level with `ast` and
gives the names whose values are literals, concatenations, f-strings of those, or constants imported
from other modules of the project (`from myapp.ids import BASE`), which `ConstantResolver` finds
under the project's source roots and reads the same way. It owns this resolution, and tells its
caller each header assignment through `on_assign` (a value, `MISSING`, `CONDITIONAL` or `DELETED`):
it must not import or execute anything, nor know what a revision file is (alembic_guard.project.migration).
"""

from __future__ import annotations

import ast
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.core.astdepth import add_operands, concat
from alembic_guard.project.header import HEADER_NAMES

MISSING = object()  # not a static value (or not bound)
CONDITIONAL = object()  # a header assigned inside a module-level block
DELETED = object()  # `del revision`: the name is gone, as if never assigned


class Unresolvable(Exception):
    pass


class ConstantResolver:
    """Resolve names a revision header imports from other modules of the project — statically.

    `roots` are the folders a module name is looked up in (the project root, `src/`,
    `prepend_sys_path`...). Modules are read with `ast` and cached; nothing is imported.
    """

    def __init__(self, roots: tuple[Path, ...] = ()):
        self.roots = tuple(dict.fromkeys(r for r in roots))
        self._modules: dict[str, dict[str, object] | None] = {}
        self._active: set[str] = set()

    def find_module(self, name: str) -> Path | None:
        parts = name.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        for root in self.roots:
            base = root.joinpath(*parts)
            for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
                try:
                    if candidate.is_file():
                        return candidate
                except OSError:
                    continue
        return None

    def module_constants(self, name: str) -> dict[str, object] | None:
        if name in self._modules:
            return self._modules[name]
        if name in self._active or len(self._active) > 8:
            return None  # an import cycle or a deep chain: give up on it
        path = self.find_module(name)
        result: dict[str, object] | None = None
        if path is not None:
            try:
                # bytes: ast honours a BOM and PEP 263; a FIFO, a device or a file over 2 MB is not read
                tree = ast.parse(reading.read_bytes(path, limit=2 * 1024 * 1024), filename=str(path))
                self._active.add(name)
                try:
                    result = module_scope(tree, self, package=name if path.name == "__init__.py" else name.rpartition(".")[0])
                finally:
                    self._active.discard(name)
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
                result = None
        self._modules[name] = result
        return result

    def imported(self, module: str, attr: str) -> object:
        consts = self.module_constants(module)
        if consts is not None and attr in consts:
            return consts[attr]
        sub = self.module_constants(f"{module}.{attr}")  # `from pkg import submodule`
        if sub is not None:
            return _ModuleRef(f"{module}.{attr}")
        raise Unresolvable


class _ModuleRef:
    """A module bound by an import; attribute access resolves into its constants."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


def _absolute(module: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *([module] if module else [])]) or None


def module_scope(tree: ast.Module, resolver: ConstantResolver | None, package: str = "", on_assign=None) -> dict[str, object]:
    """Module-level names whose values are static: literals, concatenations, imported constants."""
    scope: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and resolver is not None:
            mod = _absolute(node.module, node.level, package)
            for alias in node.names:
                if alias.name == "*" or mod is None:
                    continue
                try:
                    scope[alias.asname or alias.name] = resolver.imported(mod, alias.name)
                except Unresolvable:
                    scope.pop(alias.asname or alias.name, None)
            continue
        if isinstance(node, ast.Import) and resolver is not None:
            for alias in node.names:
                if alias.asname:
                    scope[alias.asname] = _ModuleRef(alias.name)
                else:
                    scope[alias.name.split(".")[0]] = _ModuleRef(alias.name.split(".")[0])
            continue
        pairs: list[tuple[ast.Name, ast.expr]] = []
        if isinstance(node, ast.Assign):
            for target in node.targets:  # `a = b = "x"` binds both
                if isinstance(target, ast.Name):
                    pairs.append((target, node.value))
                elif (
                    isinstance(target, (ast.Tuple, ast.List))
                    and isinstance(node.value, (ast.Tuple, ast.List))
                    and len(target.elts) == len(node.value.elts)
                    and not any(isinstance(e, ast.Starred) for e in target.elts)
                ):  # `revision, down_revision = "b", "a"`
                    pairs.extend((t, v) for t, v in zip(target.elts, node.value.elts) if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
            pairs.append((node.target, node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            # `revision += "3"`: Python concatenates onto the value bound so far
            name = node.target.id
            try:
                current = scope.get(name, MISSING)
                if current is MISSING or not isinstance(node.op, ast.Add):
                    raise Unresolvable
                resolved = concat([current, literal(node.value, scope, resolver)])
                if resolved is None:
                    raise Unresolvable
            except (Unresolvable, RecursionError):
                resolved = MISSING
            if resolved is MISSING:
                scope.pop(name, None)
            else:
                scope[name] = resolved
            if on_assign is not None:
                on_assign(name, node, node, resolved)
            continue
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    scope.pop(target.id, None)
                    if on_assign is not None:
                        on_assign(target.id, node, target, DELETED)
            continue
        elif on_assign is not None and isinstance(node, (ast.If, ast.Try, ast.With)):
            # a header assigned inside a module-level block: Alembic sees it; we cannot tell which branch
            for inner in ast.walk(node):
                targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target] if isinstance(inner, ast.AnnAssign) else []
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in HEADER_NAMES:
                        on_assign(t.id, inner, inner.value, CONDITIONAL)
            continue
        for target, value in pairs:
            try:
                resolved = literal(value, scope, resolver)
            except (Unresolvable, RecursionError):  # RecursionError: e.g. a 5,000-link attribute chain
                resolved = MISSING
            if resolved is MISSING:
                scope.pop(target.id, None)
            else:
                scope[target.id] = resolved
            if on_assign is not None:
                on_assign(target.id, node, value, resolved)
    return scope


def literal(node: ast.expr, scope: dict[str, object], resolver: ConstantResolver | None = None) -> object:
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, (str, int, float, bool)):
            return node.value
        raise Unresolvable
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = tuple(literal(e, scope, resolver) for e in node.elts)
        return list(items) if isinstance(node, ast.List) else items
    if isinstance(node, ast.Name):
        value = scope.get(node.id, MISSING)
        if value is MISSING or isinstance(value, _ModuleRef):
            raise Unresolvable
        return value
    if isinstance(node, ast.Attribute) and resolver is not None:
        base = _module_of(node.value, scope)
        if base is not None:
            value = resolver.imported(base, node.attr)
            if isinstance(value, _ModuleRef):
                raise Unresolvable
            return value
        raise Unresolvable
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("tuple", "list")
        and len(node.args) <= 1
        and not node.keywords
    ):
        items = tuple(literal(node.args[0], scope, resolver)) if node.args else ()  # type: ignore[arg-type]
        return list(items) if node.func.id == "list" else items
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        # iterative: a concatenation of 1,000s of terms is valid Python (alembic_guard.core.astdepth)
        joined = concat([literal(operand, scope, resolver) for operand in add_operands(node)])
        if joined is not None:
            return joined
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue) and v.conversion == -1 and v.format_spec is None:
                inner = literal(v.value, scope, resolver)
                if not isinstance(inner, str):
                    raise Unresolvable
                parts.append(inner)
            else:
                raise Unresolvable
        return "".join(parts)
    raise Unresolvable


def _module_of(node: ast.expr, scope: dict[str, object]) -> str | None:
    if isinstance(node, ast.Name):
        ref = scope.get(node.id)
        return ref.name if isinstance(ref, _ModuleRef) else None
    if isinstance(node, ast.Attribute):
        base = _module_of(node.value, scope)
        return f"{base}.{node.attr}" if base else None
    return None
