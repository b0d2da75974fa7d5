"""What the names of one revision file mean: Alembic's `op`, connections, contexts, tables, dialect tests.

This module owns the scope the operation reader consults: `RevisionScope` reads a revision's module
level once (its imports and whether each is the application, the migrations folder or a library;
the aliases of Alembic's `op` and `context`; session factories; module constants and table
objects) and answers recognition questions about an expression (`is_op`, `is_bind_expr`,
`table_object`, `core_statement`, `dialect_test`); `Frame` holds the names bound inside one
function. It must not record OpCalls (`record.py`) or walk function bodies (`extract.py`); the
only state it gains while walking is a helper's parameter that receives `op` (`op_names`).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alembic_guard.ops.arguments import callee_name, literal
from alembic_guard.ops.calls import UNRESOLVED

SESSION_FACTORIES = frozenset({"Session", "sessionmaker", "scoped_session", "AsyncSession"})
DATA_VERBS = {"update": "update", "insert": "insert", "delete": "delete"}
# Modules a revision may import without being "the application" (AG422) or hiding operations (AG423).
LIBRARY_TOPS = frozenset({
    "alembic", "sqlalchemy", "sa", "sqlmodel", "geoalchemy2", "sqlalchemy_utils", "psycopg2", "psycopg",
    "pymysql", "typing", "typing_extensions", "__future__",
}) | frozenset(getattr(sys, "stdlib_module_names", ()))


class DialectVerdict(int):
    """A name bound to a dialect test (`is_pg = bind.dialect.name == "postgresql"`)."""

    def __new__(cls, value: bool):
        return int.__new__(cls, bool(value))

    def __bool__(self) -> bool:
        return int(self) == 1


@dataclass(frozen=True)
class CoreStatement:
    """A name bound to a SQLAlchemy Core data statement (`stmt = t.update().values(...)`)."""

    verb: str
    table: str | None


@dataclass
class Frame:
    """The names known inside one function being walked (a helper gets a frame of its own)."""

    env: dict[str, Any]
    batch: dict[str, Any]  # alias -> table
    binds: set[str]
    contexts: set[str]
    tables: dict[str, Any]  # name -> table name (sa.table(...) objects)
    sessions: set[str]
    function: str
    depth: int


class RevisionScope:
    """The module-level names of one revision file, and what an expression in it refers to."""

    def __init__(self, *, dialect: str | None = None, local_tops: Iterable[str] = (), migration_tops: Iterable[str] = ()) -> None:
        self.dialect = dialect
        self.local_tops = frozenset(local_tops)
        self.migration_tops = frozenset(migration_tops)
        self.imports: list[tuple[int, int, str, str]] = []  # (line, col, module, "app"|"migrations"|"library")
        self.op_names: set[str] = {"op"}
        self.alembic_names: set[str] = set()
        self.context_names: set[str] = set()
        self.session_names: set[str] = set(SESSION_FACTORIES)
        self.imported: dict[str, tuple[str, bool]] = {}  # local name -> (module, from this project)
        self.constants: dict[str, Any] = {}
        self.module_tables: dict[str, Any] = {}  # module-level `helper = sa.Table("t", ...)` -> "t"

    def read_module(self, tree: ast.Module) -> None:
        """Read the file's module level: its imports (and where each comes from), the names bound to
        Alembic's `op` and `context` and to session factories, module constants and table objects."""
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                mod = "." * node.level + (node.module or "")
                kind = self.kind(node.module or "", node.level)
                local = kind != "library"
                self.imports.append((node.lineno, node.col_offset + 1, mod, kind))
                for alias in node.names:
                    name = alias.asname or alias.name
                    if node.module == "alembic" and alias.name == "op":
                        self.op_names.add(name)
                    elif node.module == "alembic" and alias.name == "context":
                        self.context_names.add(name)
                    elif alias.name in SESSION_FACTORIES:
                        self.session_names.add(name)
                    self.imported[name] = (f"{mod}.{alias.name}" if mod else alias.name, local)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    kind = self.kind(alias.name, 0)
                    local = kind != "library"
                    self.imports.append((node.lineno, node.col_offset + 1, alias.name, kind))
                    if alias.name == "alembic.op" and alias.asname:
                        self.op_names.add(alias.asname)
                    elif alias.name in ("alembic", "alembic.op") and not alias.asname:
                        self.alembic_names.add("alembic")
                    self.imported[alias.asname or alias.name.split(".")[0]] = (alias.name, local)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    value = literal(node.value, self.constants)
                    module_frame = Frame(self.constants, {}, set(), set(), self.module_tables, set(), "", 0)
                    table = self.table_object(node.value, module_frame)
                except RecursionError:  # a module constant nested too deeply: it stays unknown
                    continue
                if value is not UNRESOLVED:
                    self.constants[node.targets[0].id] = value
                if table is not None:
                    self.module_tables[node.targets[0].id] = table

    def kind(self, module: str, level: int) -> str:
        """Where an import comes from: the application ("app"), the migrations folder, or a library."""
        if level:
            return "migrations"
        top = module.split(".")[0]
        if not top or top in LIBRARY_TOPS:
            return "library"
        if top in self.migration_tops:
            return "migrations"
        if top in self.local_tops:
            return "app"
        return "library"

    def is_op(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.op_names
        return isinstance(node, ast.Attribute) and node.attr == "op" and isinstance(node.value, ast.Name) and node.value.id in self.alembic_names

    def is_op_attr(self, node: ast.expr, attr: str) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == attr and self.is_op(node.value)

    def is_op_attr_call(self, node: ast.expr, attr: str) -> bool:
        return isinstance(node, ast.Call) and self.is_op_attr(node.func, attr)

    def is_context_call(self, node: ast.expr, frame: Frame) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_context" and isinstance(node.func.value, ast.Name) and node.func.value.id in self.context_names

    def is_bind_expr(self, node: ast.expr, frame: Frame) -> bool:
        if isinstance(node, ast.Name):
            return node.id in frame.binds
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if f.attr == "get_bind" and (self.is_op(f.value) or (isinstance(f.value, ast.Name) and f.value.id in self.context_names)):
                return True
            if f.attr in ("connect", "begin") and self.is_bind_expr(f.value, frame):
                return True
        if isinstance(node, ast.Attribute) and node.attr in ("bind", "connection"):
            v = node.value
            return self.is_op_attr_call(v, "get_context") or (isinstance(v, ast.Name) and v.id in frame.contexts) or self.is_context_call(v, frame)
        return False

    def table_object(self, node: ast.expr, frame: Frame) -> str | None:
        """`sa.table("t", ...)` / `sa.Table("t", meta, ...)` / `op.create_table("t", ...)` (which
        returns the Table) / a name bound to one -> "t"."""
        if isinstance(node, ast.Name):
            return frame.tables.get(node.id)
        if isinstance(node, ast.Call) and (callee_name(node) in ("table", "Table") or self.is_op_attr(node.func, "create_table")) and node.args:
            value = literal(node.args[0], frame.env)
            return value if isinstance(value, str) else "?"
        return None

    def core_statement(self, node: ast.expr | None, frame: Frame) -> tuple[str, str | None] | None:
        """`t.update()...`, `sa.insert(t)...`, `sa.select(...)` -> (verb, table)."""
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            base = node.func.value
            if attr in DATA_VERBS and not (isinstance(base, ast.Name) and base.id in ("sa", "sqlalchemy", "expression", "sql")):
                table = self.table_object(base, frame)
                return DATA_VERBS[attr], table
            if attr in DATA_VERBS or attr == "select":
                if attr == "select":
                    return "select", None
                table = self.table_object(node.args[0], frame) if node.args else None
                return DATA_VERBS[attr], table
            node = base
        if isinstance(node, ast.Name) and isinstance(frame.env.get(node.id), CoreStatement):
            stmt = frame.env[node.id]
            return stmt.verb, stmt.table
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in DATA_VERBS:
                table = self.table_object(node.args[0], frame) if node.args else None
                return DATA_VERBS[node.func.id], table
            if node.func.id == "select":
                return "select", None
        return None

    def dialect_test(self, test: ast.expr, frame: Frame | None = None) -> bool | None:
        """True/False when `test` compares the dialect name with literals and the dialect is known."""
        if isinstance(test, ast.Name) and frame is not None:
            value = frame.env.get(test.id)
            return value if isinstance(value, DialectVerdict) else None
        if not self.dialect or not isinstance(test, ast.Compare) or len(test.ops) != 1:
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                inner = self.dialect_test(test.operand, frame)
                return None if inner is None else not inner
            return None
        left = test.left
        if not (isinstance(left, ast.Attribute) and left.attr == "name" and isinstance(left.value, ast.Attribute) and left.value.attr == "dialect"):
            return None
        right = literal(test.comparators[0], {})
        names = {"postgres": "postgresql", "mariadb": "mysql"}
        mine = self.dialect
        op = test.ops[0]
        if isinstance(right, str):
            hit = names.get(right, right) == mine
        elif isinstance(right, (tuple, list)) and all(isinstance(v, str) for v in right):
            hit = mine in {names.get(v, v) for v in right}
        else:
            return None
        if isinstance(op, ast.Eq | ast.In):
            return hit
        if isinstance(op, ast.NotEq | ast.NotIn):
            return not hit
        return None
