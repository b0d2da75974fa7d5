"""Record what one recognised call does as OpCalls, in execution order: the reader's output side.

This module owns `MigrationOps` (everything read from one revision file) and `Recorder`, which
turns a call the walker has recognised into OpCalls: an operation's arguments bound to Alembic's
signature (`op`), the statements of a SQL string parsed one by one (`sql`, which also follows
COMMIT/BEGIN), an ORM session (`session`) and what cannot be read (`unresolved`), each stamped
with its location, phase, enclosing function and transaction state (`autocommit_block`). It must
not decide which calls are operations or follow control flow (`extract.py`), nor read argument
values itself (`arguments.py`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from alembic_guard.core.astdepth import shown
from alembic_guard.findings import Location
from alembic_guard.ops import sql as sqlmod
from alembic_guard.ops.arguments import (
    LazyColumns,
    argument,
    callee_name,
    column_name,
    column_spec,
    default_spec,
    literal,
    literal_first_line,
    sql_text,
    type_spec,
)
from alembic_guard.ops.calls import UNRESOLVED, OpCall
from alembic_guard.ops.scope import Frame, RevisionScope


@dataclass
class MigrationOps:
    """Everything read from one revision file's functions."""

    calls: list[OpCall] = field(default_factory=list)
    imports: list[tuple[int, int, str, str]] = field(default_factory=list)  # (line, col, module, "app"|"migrations"|"library")

    def phase(self, name: str) -> list[OpCall]:
        return [c for c in self.calls if c.phase == name]


class State:
    """Where the calls being read run: inside `autocommit_block()`, inside a transaction."""

    def __init__(self) -> None:
        self.autocommit = False
        self.in_transaction = True


class Recorder:
    """The OpCalls of one revision file, appended in the order they run."""

    def __init__(self, mig, scope: RevisionScope) -> None:
        self.mig = mig
        self.scope = scope
        self.result = MigrationOps()
        self.phase = "upgrade"
        self.counter = 0
        self.state = State()
        self.stack: list[str] = []  # the functions being walked, innermost last

    def loc(self, node: ast.AST) -> Location:
        return Location(
            self.mig.relpath,
            getattr(node, "lineno", None),
            (getattr(node, "col_offset", 0) or 0) + 1,
            getattr(node, "end_lineno", None),
            (getattr(node, "end_col_offset", 0) or 0) + 1,
            revision=self.mig.revision_id,
        )

    def emit(self, name: str, params: dict[str, Any], loc: Location, node: ast.AST | None, origin: str, *, batch_table: Any = None, function: str | None = None, sql: str | None = None) -> OpCall:
        call = OpCall(
            name=name,
            params=params,
            location=loc,
            node=node,
            phase=self.phase,
            function=function or (self.stack[-1] if self.stack else self.phase),
            batch_table=batch_table if isinstance(batch_table, str) else None,
            autocommit=self.state.autocommit,
            in_transaction=self.state.in_transaction,
            origin=origin,
            sql=sql,
            index=self.counter,
        )
        self.counter += 1
        self.result.calls.append(call)
        return call

    def unresolved(self, node: ast.AST, reason: str) -> None:
        self.emit("unresolved", {"reason": reason}, self.loc(node), node, "op")

    def session(self, node: ast.Call) -> None:
        self.emit("orm_session", {"factory": callee_name(node)}, self.loc(node), node, "orm")

    def op(self, node: ast.Call, name: str, signature: tuple[str, ...], frame: Frame, batch_table: Any) -> None:
        params: dict[str, Any] = {}
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        for idx, arg in enumerate(positional):
            if idx < len(signature):
                params[signature[idx]] = self.value(signature[idx], arg, frame)
            elif name == "create_table":
                params.setdefault("columns", LazyColumns(dict(frame.env))).nodes.append(arg)
                params.setdefault("column_names", []).append(column_name(arg, frame.env))
        if any(isinstance(a, ast.Starred) for a in node.args):
            params["_starred"] = True
        for kw in node.keywords:
            if kw.arg is None:
                params["_kwargs_unpacked"] = True
                continue
            params[kw.arg] = self.value(kw.arg, kw.value, frame)
        if batch_table is not None:
            params.setdefault("table_name" if name != "create_foreign_key" else "source_table", batch_table)
        if name == "bulk_insert":
            table = self.scope.table_object(argument(node, 0, "table"), frame) if argument(node, 0, "table") is not None else None
            params["table_name"] = table
        self.emit(name, params, self.loc(node), node, "batch" if batch_table is not None else "op", batch_table=batch_table)

    def value(self, pname: str, node: ast.expr, frame: Frame) -> Any:
        if pname == "column":
            return column_spec(node, frame.env)
        if pname in ("type_", "existing_type"):
            return type_spec(node)
        if pname in ("server_default", "existing_server_default"):
            return default_spec(node, frame.env)
        if pname == "condition":
            text = sql_text(node, frame.env)
            return text if text is not None else UNRESOLVED
        return literal(node, frame.env)

    def sql(self, node: ast.Call, arg: ast.expr | None, frame: Frame, origin: str) -> None:
        loc = self.loc(node)
        text = sql_text(arg, frame.env)
        if text is None:
            core = self.scope.core_statement(arg, frame)
            if core is not None:
                verb, table = core
                self.emit(verb, {"table_name": table}, loc, node, origin)
                return
            what = "an f-string" if isinstance(arg, ast.JoinedStr) else ("a string built at run time" if isinstance(arg, ast.BinOp) else "an expression")
            text_shown = shown(self.mig.source, arg)
            self.emit("unanalysed_sql", {"reason": f"the SQL is {what} (`{text_shown}`) that cannot be read statically"}, loc, node, origin)
            return
        try:
            statements = sqlmod.parse(text)
        except sqlmod.SqlUnavailable:
            self.emit("unanalysed_sql", {"reason": "pglast (PostgreSQL's parser, a dependency of alembic-guardian) could not be imported on this platform", "unavailable": True}, loc, node, origin, sql=text)
            return
        except sqlmod.SqlSyntaxError as exc:
            self.emit("unanalysed_sql", {"reason": f"the PostgreSQL parser cannot read it ({exc})"}, loc, node, origin, sql=text)
            return
        base_line = literal_first_line(arg, text, self.mig.source)
        for st in statements:
            if base_line is not None and "\n" in text[: st.offset]:
                line = base_line + text[: st.offset + (len(text[st.offset:]) - len(text[st.offset:].lstrip()))].count("\n")
                if line != loc.line:
                    loc = Location(self.mig.relpath, line, 1, revision=self.mig.revision_id)
            if st.name == "commit":
                self.state.in_transaction = False
            elif st.name == "begin":
                self.state.in_transaction = True
            self.emit(st.name, dict(st.params), loc, node, origin, sql=st.text)
