"""Migration: one revision file read statically. Nothing in it is imported or executed.

The header (`revision`, `down_revision`, `branch_labels`, `depends_on`) is read from module-level
assignments, plain or annotated, and only as much of the file is parsed as a check needs:

1. **Fast path** (no `ast` at all): the module docstring and the lines before the first top-level
   `def`/`class` are matched line by line against the shapes Alembic's templates write (imports,
   comments, `name[: annotation] = <None | string | tuple/list of strings>`). Any other line, or a
   header name assigned again after the first `def`, sends the file down the slow path. So the
   fast path is only taken when it gives exactly what `ast` would.
2. **Slow path**: `ast.parse` of the whole file; non-literal values are resolved statically —
   module constants, `"a" + "b"`, and constants imported from other modules of the project
   (`from myapp.ids import BASE`, read with `ast` from the project's source roots). What stays
   unresolved is recorded in `unresolved` (reported as AG004).

`tree` and `functions` are parsed on first use and cached; the graph never needs them.
"""

from __future__ import annotations

import ast
import gc
import inspect
import re
from functools import cached_property
from pathlib import Path, PurePosixPath

from alembic_guard.astdepth import add_operands, concat, too_deep_message
from alembic_guard import reading
from alembic_guard.findings import Location
from alembic_guard.graph.revision import Revision, header_defects, normalise_ids

HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_REVISES_RE = re.compile(r"^\s*Revises:[ \t]*(.*)$", re.MULTILINE)
_REVISION_ID_RE = re.compile(r"^\s*Revision ID:[ \t]*(\S+)", re.MULTILINE)

_MISSING = object()
_CONDITIONAL = object()  # a header assigned inside a module-level block
_DELETED = object()  # `del revision`: the name is gone, as if never assigned

# -- fast path --------------------------------------------------------------------------------
_CUT_RE = re.compile(r"\n(?:def[ \t]|class[ \t]|async[ \t]|@)")  # first top-level def/class/decorator
_LATE_NEEDLES = ("\nrevision", "\ndown_revision", "\nbranch_labels", "\ndepends_on", "\ndel")
# a header name bound, rebound (`+=`), unpacked into or deleted at module level after the first def
_LATE_HEADER_RE = re.compile(
    r"^(?:(?:revision|down_revision|branch_labels|depends_on)[ \t]*(?:[:=,]|[-+*/%@&|^]=|//=|\*\*=|<<=|>>=)|del[ \t(])",
    re.MULTILINE,
)
_STR = r"""(?:"[^"\\\n]*"|'[^'\\\n]*')"""
_VALUE = rf"(?:None|{_STR}|\(\s*(?:{_STR}\s*,\s*)*(?:{_STR}\s*)?\)|\[\s*(?:{_STR}\s*,\s*)*(?:{_STR}\s*)?\])"
_LINE = (
    r"[ \t]*(?:#[^\r\n]*)?"  # blank or comment
    r"|(?:import[ \t]+[\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*"
    r"|from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\*|\w+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*\w+(?:[ \t]+as[ \t]+\w+)?)*))[ \t]*(?:#[^\r\n]*)?"
)
# a docstring without backslashes (escapes are left to ast) that cannot run past its own end
_DOC = r'''[ \t]*(?:"""(?P<dq>[^"\\]*(?:"(?!"")[^"\\]*)*)"""|\'\'\'(?P<sq>[^'\\]*(?:'(?!'')[^'\\]*)*)\'\'\')'''
_ANN = r"[ \t]*(?::[^=\r\n\"'#]*)?=[ \t]*"
_TAIL = r"[ \t]*(?:#[^\r\n]*)?"
# One fullmatch over the module prefix: optional docstring, then lines of known shapes. A named
# group inside the repetition keeps its last capture, so each header value comes out directly.
_PREFIX_RE = re.compile(
    r"(?:[ \t]*(?:#[^\r\n]*)?\r?\n)*"
    r"(?:" + _DOC + _TAIL + r"(?:\r?\n|\Z))?"
    r"(?:(?:"
    rf"revision{_ANN}(?P<revision>{_VALUE}){_TAIL}"
    rf"|down_revision{_ANN}(?P<down_revision>{_VALUE}){_TAIL}"
    rf"|branch_labels{_ANN}(?P<branch_labels>{_VALUE}){_TAIL}"
    rf"|depends_on{_ANN}(?P<depends_on>{_VALUE}){_TAIL}"
    rf"|{_LINE}"
    r")(?:\r?\n|\Z))*"
)
_STR_ITEM_RE = re.compile(_STR)


# Set by Project.load for large histories (a short-lived CLI process); off for small projects, so
# a long-running host (a test session, an IDE) keeps its collector untouched.
FREEZE_TREES = False
FREEZE_AT = 500  # revisions


class Unresolvable(Exception):
    pass


def parse_module(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse` without the garbage collector's cost on thousands of kept trees.

    A parse allocates hundreds of acyclic nodes; with the collector on, each parse triggers
    collections that rescan every tree parsed before (3x slower on 5,000 revisions). Trees are
    freed by reference counting, so nothing is lost by pausing the collector meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, filename=filename)
    finally:
        if enabled:
            gc.enable()
        if FREEZE_TREES:
            # Big histories: move the new (long-lived, acyclic) tree out of the collector's sight,
            # or every later collection rescans all trees (half of a 5,000-revision `check`).
            gc.freeze()


def _first_relative_import(tree: ast.Module) -> tuple[int, str | None, int, int] | None:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            return node.level, node.module, node.lineno, node.col_offset
    return None


def fast_header(source: str) -> tuple[dict[str, object], dict[str, int], str | None] | None:
    """(values, lines, raw docstring) when the header has a template shape, else None."""
    if source.startswith(("def", "class", "async", "@")):
        return None
    cut_m = _CUT_RE.search(source)  # a literal "\n" prefix: much faster than a MULTILINE "^" scan
    cut = cut_m.start() + 1 if cut_m else len(source)
    if cut < len(source) and any(source.find(n, cut) >= 0 for n in _LATE_NEEDLES) and _LATE_HEADER_RE.search(source, cut):
        return None  # a header name assigned after the first def: let ast decide
    m = _PREFIX_RE.fullmatch(source, 0, cut)
    if m is None:
        return None
    doc = m.group("dq")
    if doc is None:
        doc = m.group("sq")
    if doc is not None and "\r" in doc:
        doc = doc.replace("\r\n", "\n").replace("\r", "\n")  # as Python reads source lines
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for name in HEADER_NAMES:
        raw = m.group(name)
        if raw is None:
            continue
        if raw == "None":
            value: object = None
        elif raw[0] in "([":
            items = [s[1:-1] for s in _STR_ITEM_RE.findall(raw)]
            if raw[0] == "(" and len(items) == 1 and not raw[1:-1].rstrip().endswith(","):
                value = items[0]  # ("a") is a string, not a tuple
            else:
                value = tuple(items) if raw[0] == "(" else items
        else:
            value = raw[1:-1]
        values[name] = value
        lines[name] = source.count("\n", 0, m.start(name)) + 1
    if "revision" not in values:
        return None
    return values, lines, doc


class Migration:
    """One revision file. Header facts are eager; `tree`/`functions`/`docstring` are lazy."""

    def __init__(
        self,
        path: Path | str,
        relpath: PurePosixPath,
        source: str,
        tree: ast.Module | None = None,
        values: dict[str, object] | None = None,
        lines: dict[str, int] | None = None,
        unresolved: dict[str, tuple[int, str]] | None = None,
        raw_docstring: str | None = None,
        body_parsed: bool = True,
    ):
        self._path = path
        self.relpath = relpath
        self.source = source
        self._digest: str | None = None
        self.values: dict[str, object] = values if values is not None else {}
        self.lines: dict[str, int] = lines if lines is not None else {}
        self.unresolved: dict[str, tuple[int, str]] = unresolved if unresolved is not None else {}
        self.syntax_error: SyntaxError | None = None
        self.imported_values: dict[str, object] = {}  # header values supplied by --import (Alembic's loader)
        self._raw_docstring = raw_docstring
        self._body_parsed = body_parsed  # False: a too-large file whose body is not analysed
        self._body_checked = False  # the whole file was parsed once: `syntax_error` is known
        self._relative_import: tuple[int, str | None, int, int] | None = None
        if tree is not None:
            self.__dict__["tree"] = tree
            self._body_checked = True
            self._relative_import = _first_relative_import(tree)

    def __repr__(self) -> str:
        return f"<Migration {self.revision_id} {self.relpath}>"

    def __getstate__(self) -> dict:
        """Pickle the facts, not the parse caches (a tree is re-parsed on demand)."""
        state = dict(self.__dict__)
        for cache in ("tree", "functions", "docstring"):
            state.pop(cache, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def digest(self) -> str:
        """A hash of the file's text: the cache's key for what analysing it gave (alembic_guard.cache)."""
        if self._digest is None:
            import hashlib

            self._digest = hashlib.blake2b(self.source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return self._digest

    @property
    def path(self) -> Path:
        """Absolute path of the file (kept as a string until asked for: thousands are loaded)."""
        if not isinstance(self._path, Path):
            self._path = Path(self._path)
        return self._path

    # ------------------------------------------------------------------ lazy body
    @cached_property
    def tree(self) -> ast.Module:
        """The whole module, parsed on first use. A file that does not parse gives an empty module
        and sets `syntax_error` (reported as AG003)."""
        if not self._body_parsed:
            return ast.Module(body=[], type_ignores=[])
        self._body_checked = True
        try:
            tree = parse_module(self.source, str(self.relpath))
            self._relative_import = _first_relative_import(tree)
            return tree
        except SyntaxError as exc:
            self.syntax_error = exc
        except ValueError as exc:
            self.syntax_error = SyntaxError(str(exc))
        except (RecursionError, MemoryError) as exc:
            self.syntax_error = SyntaxError(too_deep_message(exc))
        return ast.Module(body=[], type_ignores=[])

    def release(self) -> None:
        """Drop the parsed tree (and what hangs off it) to free memory; it is re-parsed on next use.

        `syntax_error` stays as found. For a large history, parse-analyse-release one revision at
        a time: 5,000 retained trees take ~160 MB.
        """
        for cache in ("tree", "functions"):
            self.__dict__.pop(cache, None)

    @property
    def body_checked(self) -> bool:
        """True once the whole file was parsed (even if the tree was released since):
        `syntax_error` then tells whether it parses."""
        return self._body_checked

    @property
    def relative_import(self) -> tuple[int, str | None, int, int] | None:
        """(level, module, line, col_offset) of the first module-level relative import, else None.
        Recorded at parse time, so it survives `release()` (AG003 reads it after the file pass)."""
        if not self._body_checked:
            self.tree  # noqa: B018
        return self._relative_import

    @property
    def parsed(self) -> bool:
        """True while the whole-file tree is in memory."""
        return "tree" in self.__dict__

    @cached_property
    def functions(self) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
        return {
            node.name: node for node in self.tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }

    @cached_property
    def docstring(self) -> str | None:
        if "tree" in self.__dict__ and self._raw_docstring is None:
            return ast.get_docstring(self.tree, clean=True)
        return inspect.cleandoc(self._raw_docstring) if self._raw_docstring is not None else None

    def function(self, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.functions.get(name)

    @property
    def body_analysed(self) -> bool:
        return self._body_parsed

    # ------------------------------------------------------------------ header
    @property
    def revision_id(self) -> str | None:
        value = self.values.get("revision")
        return value if isinstance(value, str) and value else None

    @property
    def is_revision(self) -> bool:
        return "revision" in self.values or "revision" in self.unresolved

    def location(self, line: int | None = None, revision: str | None = None) -> Location:
        return Location(self.relpath, line, None if line is None else 1, revision=revision or self.revision_id)

    def to_revision(self) -> Revision | None:
        rid = self.revision_id
        if rid is None:
            return None
        labels = self.values.get("branch_labels")
        return Revision(
            id=rid,
            down_revisions=normalise_ids(self.values.get("down_revision")),
            depends_on=normalise_ids(self.values.get("depends_on")),
            branch_labels=frozenset(normalise_ids(labels)),
            location=self.location(self.lines.get("revision")),
            message=self.message,
            defects=tuple(
                d for name in ("down_revision", "depends_on", "branch_labels") for d in header_defects(name, self.values.get(name))
            ),
        )

    @property
    def message(self) -> str | None:
        """The docstring's first non-blank line (what `alembic history` shows)."""
        doc = self._raw_docstring if "docstring" not in self.__dict__ and self._raw_docstring is not None else self.docstring
        if not doc:
            return None
        for line in doc.split("\n"):
            line = line.strip()
            if line:
                return line
        return None

    def _doc_text(self) -> str:
        """The docstring for searching header lines: raw when the fast path read it (no dedent)."""
        if "docstring" not in self.__dict__ and self._raw_docstring is not None:
            return self._raw_docstring
        return self.docstring or ""

    @property
    def docstring_revision_id(self) -> str | None:
        m = _REVISION_ID_RE.search(self._doc_text())
        return m.group(1) if m else None

    @property
    def docstring_revises(self) -> tuple[str, ...] | None:
        m = _REVISES_RE.search(self._doc_text())
        if not m:
            return None
        return tuple(v for v in re.split(r"[\s,]+", m.group(1).strip()) if v)

    def docstring_line(self, pattern: str) -> int | None:
        """1-based file line of the first docstring line matching `pattern` (e.g. "Revises:")."""
        idx = self.source.find(pattern)
        if idx < 0:
            return None
        return self.source.count("\n", 0, idx) + 1


# ---------------------------------------------------------------------- slow path
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
                current = scope.get(name, _MISSING)
                if current is _MISSING or not isinstance(node.op, ast.Add):
                    raise Unresolvable
                resolved = concat([current, literal(node.value, scope, resolver)])
                if resolved is None:
                    raise Unresolvable
            except (Unresolvable, RecursionError):
                resolved = _MISSING
            if resolved is _MISSING:
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
                        on_assign(target.id, node, target, _DELETED)
            continue
        elif on_assign is not None and isinstance(node, (ast.If, ast.Try, ast.With)):
            # a header assigned inside a module-level block: Alembic sees it; we cannot tell which branch
            for inner in ast.walk(node):
                targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target] if isinstance(inner, ast.AnnAssign) else []
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in HEADER_NAMES:
                        on_assign(t.id, inner, inner.value, _CONDITIONAL)
            continue
        for target, value in pairs:
            try:
                resolved = literal(value, scope, resolver)
            except (Unresolvable, RecursionError):  # RecursionError: e.g. a 5,000-link attribute chain
                resolved = _MISSING
            if resolved is _MISSING:
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
        value = scope.get(node.id, _MISSING)
        if value is _MISSING or isinstance(value, _ModuleRef):
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
        # iterative: a concatenation of 1,000s of terms is valid Python (alembic_guard.astdepth)
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


def parse_migration(
    path: Path,
    relpath: PurePosixPath,
    source: str,
    tree: ast.Module,
    resolver: ConstantResolver | None = None,
) -> Migration:
    """The slow path: a Migration from a parsed module, resolving what can be resolved statically."""
    mig = Migration(path=path, relpath=relpath, source=source, tree=tree)

    def on_assign(name: str, node: ast.stmt, value: ast.expr, resolved: object) -> None:
        if name not in HEADER_NAMES:
            return
        if resolved is _DELETED:
            for facts in (mig.values, mig.unresolved, mig.lines):
                facts.pop(name, None)
            return
        if resolved is _CONDITIONAL:
            if name in mig.values or name in mig.unresolved:
                return  # a plain module-level assignment already gave it
            mig.lines[name] = node.lineno
            text = ast.get_source_segment(source, value) or "?"
            mig.unresolved[name] = (node.lineno, f"{text}  # inside a module-level if/try/with block")
            return
        mig.lines[name] = node.lineno
        if resolved is _MISSING:
            mig.unresolved[name] = (node.lineno, ast.get_source_segment(source, value) or "?")
            mig.values.pop(name, None)
        else:
            mig.values[name] = resolved
            mig.unresolved.pop(name, None)

    module_scope(tree, resolver, package="", on_assign=on_assign)
    return mig
