"""Migration: one revision file read statically, and the slow path that builds one from `ast`. Header
facts (`revision`, `down_revision`, `branch_labels`, `depends_on`, plain or annotated module-level
assignments) are eager: given by the fast path (alembic_guard.project.header) or, here, by
`parse_migration`, which resolves non-literal values statically (alembic_guard.project.constants)
and records what stays unresolved in `unresolved` (reported as AG004). `tree` and `functions` are
parsed on first use and cached; the graph never needs them. It owns the revision file as a value:
it must not walk folders or open files (alembic_guard.project.revision_file reads them), and nothing
in a revision is imported or executed.
"""

from __future__ import annotations

import ast
import gc
import inspect
import re
from functools import cached_property
from pathlib import Path, PurePosixPath

from alembic_guard.core.astdepth import too_deep_message
from alembic_guard.findings import Location
from alembic_guard.graph.revision import Revision, header_defects, normalise_ids
from alembic_guard.project.constants import CONDITIONAL, DELETED, MISSING, ConstantResolver, module_scope
from alembic_guard.project.header import HEADER_NAMES

_REVISES_RE = re.compile(r"^\s*Revises:[ \t]*(.*)$", re.MULTILINE)
_REVISION_ID_RE = re.compile(r"^\s*Revision ID:[ \t]*(\S+)", re.MULTILINE)

# Set by Project.load for large histories (a short-lived CLI process); off for small projects, so
# a long-running host (a test session, an IDE) keeps its collector untouched.
FREEZE_TREES = False
FREEZE_AT = 500  # revisions


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
        """A hash of the file's text: the cache's key for what analysing it gave (alembic_guard.core.cache)."""
        if self._digest is None:
            import hashlib  # start-up cost (~3 ms, OpenSSL): only the result cache needs a digest

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
        if resolved is DELETED:
            for facts in (mig.values, mig.unresolved, mig.lines):
                facts.pop(name, None)
            return
        if resolved is CONDITIONAL:
            if name in mig.values or name in mig.unresolved:
                return  # a plain module-level assignment already gave it
            mig.lines[name] = node.lineno
            text = ast.get_source_segment(source, value) or "?"
            mig.unresolved[name] = (node.lineno, f"{text}  # inside a module-level if/try/with block")
            return
        mig.lines[name] = node.lineno
        if resolved is MISSING:
            mig.unresolved[name] = (node.lineno, ast.get_source_segment(source, value) or "?")
            mig.values.pop(name, None)
        else:
            mig.values[name] = resolved
            mig.unresolved.pop(name, None)

    module_scope(tree, resolver, package="", on_assign=on_assign)
    return mig
