"""Migration: one revision file read with `ast`. Nothing in it is imported or executed.

The header (`revision`, `down_revision`, `branch_labels`, `depends_on`) is read from module-level
assignments, plain or annotated. Values that are not literals are resolved statically where
possible (module constants); what stays unresolved is recorded in `unresolved`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from alembic_guard.findings import Location
from alembic_guard.graph.revision import Revision, normalise_ids

HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_REVISES_RE = re.compile(r"^\s*Revises:\s*(.*)$", re.MULTILINE)
_REVISION_ID_RE = re.compile(r"^\s*Revision ID:\s*(\S+)", re.MULTILINE)

_MISSING = object()


class Unresolvable(Exception):
    pass


@dataclass
class Migration:
    path: Path
    relpath: PurePosixPath
    source: str
    tree: ast.Module
    values: dict[str, object] = field(default_factory=dict)  # header name -> python value
    lines: dict[str, int] = field(default_factory=dict)  # header name -> line of the assignment
    unresolved: dict[str, tuple[int, str]] = field(default_factory=dict)  # name -> (line, source text)
    docstring: str | None = None
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)

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
        )

    @property
    def message(self) -> str | None:
        if not self.docstring:
            return None
        first = self.docstring.strip().splitlines()[0].strip() if self.docstring.strip() else ""
        return first or None

    @property
    def docstring_revision_id(self) -> str | None:
        if not self.docstring:
            return None
        m = _REVISION_ID_RE.search(self.docstring)
        return m.group(1) if m else None

    @property
    def docstring_revises(self) -> tuple[str, ...] | None:
        if not self.docstring:
            return None
        m = _REVISES_RE.search(self.docstring)
        if not m:
            return None
        return tuple(v for v in re.split(r"[\s,]+", m.group(1).strip()) if v)

    # ------------------------------------------------------------------ body
    def function(self, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.functions.get(name)


def parse_migration(path: Path, relpath: PurePosixPath, source: str, tree: ast.Module) -> Migration:
    mig = Migration(path=path, relpath=relpath, source=source, tree=tree)
    mig.docstring = ast.get_docstring(tree, clean=True)
    constants: dict[str, object] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mig.functions[node.name] = node
            continue
        if not isinstance(target, ast.Name) or value is None:
            continue
        try:
            resolved = _literal(value, constants)
        except Unresolvable:
            resolved = _MISSING
        if resolved is not _MISSING:
            constants[target.id] = resolved
        if target.id in HEADER_NAMES:
            mig.lines[target.id] = node.lineno
            if resolved is _MISSING:
                mig.unresolved[target.id] = (node.lineno, ast.get_source_segment(source, value) or "?")
                mig.values.pop(target.id, None)
            else:
                mig.values[target.id] = resolved
                mig.unresolved.pop(target.id, None)
    return mig


def _literal(node: ast.expr, constants: dict[str, object]) -> object:
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, (str, int, float, bool)):
            return node.value
        raise Unresolvable
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = tuple(_literal(e, constants) for e in node.elts)
        return items if not isinstance(node, ast.List) else list(items)
    if isinstance(node, ast.Name):
        if node.id in constants:
            return constants[node.id]
        raise Unresolvable
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tuple", "list", "set", "frozenset") and len(node.args) <= 1 and not node.keywords:
        if not node.args:
            return ()
        return tuple(_literal(node.args[0], constants))  # type: ignore[arg-type]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, constants), _literal(node.right, constants)
        if type(left) is type(right) and isinstance(left, (str, tuple, list)):
            return left + right  # type: ignore[operator]
    raise Unresolvable
