"""Read the arguments of an operation call from the AST: literal values, types, defaults, columns, SQL text.

This module owns the pure readers that turn one argument node into what an OpCall carries:
`literal` (constants, names bound to constants, f-strings and concatenations of known parts,
`op.f(...)`/`conv(...)`/`sa.text(...)`), `type_spec` (TypeSpec), `default_spec` (DefaultSpec),
`column_spec` / `column_name` (`sa.Column(...)` -> ColumnSpec), `sql_text` (the SQL of
`op.execute(...)`'s argument) and `LazyColumns` (a `create_table`'s columns, read when a rule asks).
Each takes the node and the names known at that point (`env`) and nothing else: it must not
record OpCalls, decide which names mean Alembic's `op` or a connection (`scope.py`), or walk
statements (`extract.py`).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alembic_guard.core.astdepth import add_operands
from alembic_guard.ops import sql as sqlmod
from alembic_guard.ops.calls import UNRESOLVED, ColumnSpec, DefaultSpec, TypeSpec

PY_TYPES: dict[str, str] = {
    "integer": "integer", "int": "integer", "biginteger": "bigint", "bigint": "bigint",
    "smallinteger": "smallint", "smallint": "smallint", "string": "varchar", "varchar": "varchar",
    "unicode": "varchar", "nvarchar": "varchar", "char": "char", "nchar": "char", "text": "text",
    "unicodetext": "text", "datetime": "timestamp", "timestamp": "timestamp", "boolean": "boolean",
    "bool": "boolean", "numeric": "numeric", "decimal": "numeric", "float": "float", "real": "real",
    "enum": "enum", "uuid": "uuid", "uuid_": "uuid", "json": "json", "jsonb": "jsonb", "date": "date",
    "time": "time", "interval": "interval", "largebinary": "bytea", "bytea": "bytea", "array": "array",
    "double": "float", "double_precision": "float",
}


class SqlText(str):
    """A name bound to a SQL text object (`stmt = sa.text("UPDATE ...")`, then
    `stmt = stmt.bindparams(...)`): its SQL, read where `op.execute(stmt)` runs it."""


@dataclass(frozen=True)
class ColumnNode:
    """A name bound to a `sa.Column(...)` (`col = sa.Column(...); op.add_column("t", col)`)."""

    node: ast.Call


class LazyColumns(Sequence):
    """The columns of a `create_table`, read into ColumnSpecs only when a rule asks (most do not:
    nothing on a new table is dangerous, only the preview type rules look)."""

    def __init__(self, env: dict) -> None:
        self.nodes: list[ast.expr] = []
        self._env: dict | None = env
        self._specs: list[ColumnSpec] | None = None

    def _resolve(self) -> list[ColumnSpec]:
        if self._specs is None:
            self._specs = [column_spec(n, self._env) for n in self.nodes]
            self._env = None
        return self._specs

    def __getitem__(self, index):
        return self._resolve()[index]

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<{len(self.nodes)} columns>"


def argument(node: ast.Call, index: int, name: str) -> ast.expr | None:
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if index < len(positional):
        return positional[index]
    return next((k.value for k in node.keywords if k.arg == name), None)


def callee_name(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def literal(node: ast.expr | None, env: dict[str, Any]) -> Any:
    if node is None:
        return UNRESOLVED
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id, UNRESOLVED)
    if isinstance(node, ast.Tuple | ast.List):
        items = [literal(e, env) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue) and v.format_spec is None:
                inner = literal(v.value, env)
                if inner is UNRESOLVED or isinstance(inner, (list, tuple, dict)):
                    return UNRESOLVED
                parts.append(str(inner))
            else:
                return UNRESOLVED
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = []
        for operand in add_operands(node):  # iterative: concatenations may be 1,000s of terms long
            value = literal(operand, env)
            if not isinstance(value, str):
                return UNRESOLVED
            parts.append(value)
        return "".join(parts)
    if isinstance(node, ast.Call):
        # op.f("name"), conv("name"), sa.text("...") keep their argument's value
        name = callee_name(node)
        if name in ("f", "conv", "quoted_name") and node.args:
            return literal(node.args[0], env)
        if name == "text" and node.args:
            return literal(node.args[0], env)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = literal(node.operand, env)
        return -v if isinstance(v, (int, float)) else UNRESOLVED
    if isinstance(node, ast.Dict):
        return UNRESOLVED
    return UNRESOLVED


def type_spec(node: ast.expr) -> TypeSpec | Any:
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    call = node if isinstance(node, ast.Call) else None
    target = node.func if call else node
    if isinstance(target, ast.Attribute):
        tname = target.attr
    elif isinstance(target, ast.Name):
        tname = target.id
    else:
        return TypeSpec(None, raw=short(node))
    key = tname.lower()
    name = PY_TYPES.get(key)
    if name is None and key.endswith("type"):
        name = PY_TYPES.get(key[:-4])
    length = precision = scale = None
    if call is not None:
        first = literal(call.args[0], {}) if call.args else UNRESOLVED
        kws = {k.arg: literal(k.value, {}) for k in call.keywords if k.arg}
        if name in ("varchar", "char"):
            length = kws.get("length", first)
            length = length if isinstance(length, int) else None
        if name == "numeric":
            precision = kws.get("precision", first)
            precision = precision if isinstance(precision, int) else None
            second = literal(call.args[1], {}) if len(call.args) > 1 else kws.get("scale")
            scale = second if isinstance(second, int) else None
        if name == "timestamp" and kws.get("timezone") is True:
            name = "timestamptz"
        if name == "varchar" and key in ("string", "unicode") and length is None and not call.args:
            name = "varchar"
    return TypeSpec(name, length=length, raw=short(node), precision=precision, scale=scale)


def default_spec(node: ast.expr, env: dict[str, Any]) -> DefaultSpec | None | Any:
    if isinstance(node, ast.Constant):
        if node.value is None:
            return None
        if node.value is False and False:
            return None
        return DefaultSpec(repr(node.value), volatile=False)
    call = node if isinstance(node, ast.Call) else None
    if call is not None:
        name = callee_name(call)
        if name in ("text", "literal_column", "DefaultClause") and call.args:
            inner = call.args[0]
            if name == "DefaultClause":
                return default_spec(inner, env)
            text = literal(inner, env)
            if isinstance(text, str):
                return DefaultSpec(text, volatile=sqlmod.expression_is_volatile(text))
            return DefaultSpec(short(node), unknown=True)
        if name in ("true", "false", "null", "literal"):
            return DefaultSpec(short(node), volatile=False)
        # sa.func.now(), func.gen_random_uuid()
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name | ast.Attribute) and (getattr(f.value, "id", None) == "func" or getattr(f.value, "attr", None) == "func"):
            return DefaultSpec(f"{f.attr}()", volatile=sqlmod.function_is_volatile(f.attr))
    value = literal(node, env)
    if isinstance(value, str):
        return DefaultSpec(repr(value), volatile=False)
    return DefaultSpec(short(node), unknown=True)


def column_name(node: ast.expr, env: dict[str, Any]) -> str | None:
    """Just the name of `sa.Column("name", ...)` (cheap: no type or default analysis)."""
    if isinstance(node, ast.Call) and node.args and callee_name(node) == "Column":
        value = literal(node.args[0], env)
        return value if isinstance(value, str) else None
    return None


def column_spec(node: ast.expr, env: dict[str, Any]) -> ColumnSpec:
    if isinstance(node, ast.Name) and isinstance(env.get(node.id), ColumnNode):
        node = env[node.id].node
    if not (isinstance(node, ast.Call) and callee_name(node) == "Column"):
        name = callee_name(node) if isinstance(node, ast.Call) else None
        if name in ("PrimaryKeyConstraint", "ForeignKeyConstraint", "UniqueConstraint", "CheckConstraint", "Index"):
            return ColumnSpec(name=None, resolved=True, type=TypeSpec(name, raw=name))
        return ColumnSpec(name=None, resolved=False)
    col_name = None
    type_: TypeSpec | None = None
    fk = identity = stored = False
    for idx, arg in enumerate(node.args):
        if idx == 0:
            value = literal(arg, env)
            if isinstance(value, str):
                col_name = value
                continue
        callee = callee_name(arg) if isinstance(arg, ast.Call) else None
        if callee == "ForeignKey":
            fk = True
        elif callee == "Identity":
            identity = True
        elif callee == "Computed":
            stored = True
        elif callee in ("Sequence", "CheckConstraint"):
            continue
        elif type_ is None:
            type_ = type_spec(arg)
    kws = {k.arg: k.value for k in node.keywords if k.arg}
    if type_ is None and "type_" in kws:
        type_ = type_spec(kws["type_"])
    if col_name is None and "name" in kws:
        v = literal(kws["name"], env)
        col_name = v if isinstance(v, str) else None
    nullable = literal(kws["nullable"], env) if "nullable" in kws else None
    if not isinstance(nullable, bool):
        nullable = None if "nullable" not in kws else None
    server_default = default_spec(kws["server_default"], env) if "server_default" in kws else None
    pk = literal(kws.get("primary_key"), env) is True
    unique = literal(kws.get("unique"), env) is True
    if pk and type_ is not None and type_.name in ("integer", "bigint", "smallint") and literal(kws.get("autoincrement"), env) is not False and server_default is None:
        identity = True  # SQLAlchemy renders an integer primary key as SERIAL: values for every row
    not_valid = False
    for arg in node.args:
        if isinstance(arg, ast.Call) and callee_name(arg) == "ForeignKey":
            not_valid = any(k.arg == "postgresql_not_valid" and literal(k.value, env) is True for k in arg.keywords)
    return ColumnSpec(
        name=col_name, type=type_, nullable=nullable, server_default=server_default,
        default_python="default" in kws, primary_key=pk, unique=unique, foreign_key=fk,
        foreign_key_not_valid=not_valid, identity=identity, computed_stored=stored,
    )


def sql_text(node: ast.expr | None, env: dict[str, Any]) -> str | None:
    if node is None:
        return None
    # sa.text("...").bindparams(...) / .execution_options(...) / .columns(...), also on a name
    # bound to a text object (`stmt = text("..."); stmt = stmt.bindparams(...)`)
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("bindparams", "execution_options", "columns", "params") and isinstance(node.func.value, ast.Call | ast.Name):
        node = node.func.value
    if isinstance(node, ast.Call) and callee_name(node) in ("text", "literal_column", "DDL") and node.args:
        node = node.args[0]
    value = literal(node, env)
    if isinstance(value, str):
        return str(value)  # a plain str, also for a name bound to _SqlText (the SQL parser wants str)
    if isinstance(node, ast.Name) and node.id in env and isinstance(env[node.id], str):
        return str(env[node.id])
    return None


def literal_first_line(arg: ast.expr | None, text: str, source: str) -> int | None:
    """Source line of a multi-line SQL literal's first character, when lines map one to one."""
    node = arg
    if isinstance(node, ast.Call) and callee_name(node) == "text" and node.args:
        node = node.args[0]
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value == text):
        return None
    seg = ast.get_source_segment(source, node)
    if not seg or seg[:3] not in ('"""', "'''") or seg[3:-3] != text:
        return None
    return node.lineno


def short(node: ast.expr) -> str:
    """A cheap rendering of a type expression for messages (`sa.String(50)`); ast.unparse is slow."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{short(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        parts = []
        for a in node.args:
            parts.append(repr(a.value) if isinstance(a, ast.Constant) else short(a))
        for k in node.keywords:
            v = k.value
            parts.append(f"{k.arg}={v.value!r}" if isinstance(v, ast.Constant) else f"{k.arg}=...")
        return f"{short(node.func)}({', '.join(parts)})"
    if isinstance(node, ast.Constant):
        return repr(node.value)
    return "..."
