"""Read the operations of one revision file statically: `upgrade()`/`downgrade()` -> OpCalls.

The visitor walks the two functions' bodies in execution order and follows calls into helper
functions defined in the same file (binding literal arguments to their parameters). It
recognises:

- `op.<name>(...)` for every alias of Alembic's `op` (`from alembic import op as o`,
  `import alembic` + `alembic.op.<name>`);
- `with op.batch_alter_table("t") as batch_op:` and the `batch_op.<name>(...)` calls in it;
- `with op.get_context().autocommit_block():` (the calls in it run outside the transaction);
- SQL: `op.execute("...")`, `op.execute(sa.text("..."))`, `op.get_bind().execute(...)`,
  `conn.execute(...)` / `exec_driver_sql(...)` on a bound connection; each statement is parsed
  with pglast and becomes an OpCall of its own (`alembic_guard.ops.sql`). SQL built at run time
  (f-strings with unknown parts, variables) becomes an `unanalysed_sql` call;
- SQLAlchemy Core data changes (`t.update()`, `sa.insert(t)`, ...), `op.bulk_insert`, ORM
  `Session(...)`;
- `for x in ("a", "b"):` loops over literals (unrolled) and `if` tests on the dialect name
  (pruned when the project's dialect is known);
- what cannot be followed (a helper imported from another module that receives `op`,
  `getattr(op, name)`, `exec`, a missing `upgrade()`) becomes an `unresolved` call, so the
  revision is reported as not analysed instead of passing silently.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from alembic_guard.astdepth import add_operands, shown
from alembic_guard.findings import Location
from alembic_guard.ops import sql as sqlmod
from alembic_guard.ops.helpers import helper_is_ddl_free
from alembic_guard.ops.calls import (
    BATCH_SIGNATURES,
    SIGNATURES,
    UNRESOLVED,
    ColumnSpec,
    DefaultSpec,
    OpCall,
    TypeSpec,
)

PHASES = ("upgrade", "downgrade")
MAX_DEPTH = 8
MAX_UNROLL = 32

# op attributes that are not operations themselves
NOT_OPERATIONS = frozenset({"get_bind", "get_context", "f", "inline_literal", "batch_alter_table", "implementation_for", "register_operation"})
DYNAMIC_OPERATIONS = frozenset({"invoke", "run_async"})
SESSION_FACTORIES = frozenset({"Session", "sessionmaker", "scoped_session", "AsyncSession"})
DATA_VERBS = {"update": "update", "insert": "insert", "delete": "delete"}
# Modules a revision may import without being "the application" (AG422) or hiding operations (AG423).
LIBRARY_TOPS = frozenset({
    "alembic", "sqlalchemy", "sa", "sqlmodel", "geoalchemy2", "sqlalchemy_utils", "psycopg2", "psycopg",
    "pymysql", "typing", "typing_extensions", "__future__",
}) | frozenset(getattr(sys, "stdlib_module_names", ()))

_PY_TYPES: dict[str, str] = {
    "integer": "integer", "int": "integer", "biginteger": "bigint", "bigint": "bigint",
    "smallinteger": "smallint", "smallint": "smallint", "string": "varchar", "varchar": "varchar",
    "unicode": "varchar", "nvarchar": "varchar", "char": "char", "nchar": "char", "text": "text",
    "unicodetext": "text", "datetime": "timestamp", "timestamp": "timestamp", "boolean": "boolean",
    "bool": "boolean", "numeric": "numeric", "decimal": "numeric", "float": "float", "real": "real",
    "enum": "enum", "uuid": "uuid", "uuid_": "uuid", "json": "json", "jsonb": "jsonb", "date": "date",
    "time": "time", "interval": "interval", "largebinary": "bytea", "bytea": "bytea", "array": "array",
    "double": "float", "double_precision": "float",
}


class _DialectVerdict(int):
    """A name bound to a dialect test (`is_pg = bind.dialect.name == "postgresql"`)."""

    def __new__(cls, value: bool):
        return int.__new__(cls, bool(value))

    def __bool__(self) -> bool:
        return int(self) == 1


@dataclass(frozen=True)
class _CoreStatement:
    """A name bound to a SQLAlchemy Core data statement (`stmt = t.update().values(...)`)."""

    verb: str
    table: str | None


class _SqlText(str):
    """A name bound to a SQL text object (`stmt = sa.text("UPDATE ...")`, then
    `stmt = stmt.bindparams(...)`): its SQL, read where `op.execute(stmt)` runs it."""


@dataclass(frozen=True)
class _ColumnNode:
    """A name bound to a `sa.Column(...)` (`col = sa.Column(...); op.add_column("t", col)`)."""

    node: ast.Call


class _LazyColumns(Sequence):
    """The columns of a `create_table`, read into ColumnSpecs only when a rule asks (most do not:
    nothing on a new table is dangerous, only the preview type rules look)."""

    def __init__(self, extractor: "Extractor", env: dict) -> None:
        self.nodes: list[ast.expr] = []
        self._extractor = extractor
        self._env = env
        self._specs: list[ColumnSpec] | None = None

    def _resolve(self) -> list[ColumnSpec]:
        if self._specs is None:
            frame = _Frame(self._env, {}, set(), set(), {}, set(), "", 0)
            self._specs = [self._extractor._column(n, frame) for n in self.nodes]
            self._extractor = None  # type: ignore[assignment]
        return self._specs

    def __getitem__(self, index):
        return self._resolve()[index]

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<{len(self.nodes)} columns>"


@dataclass
class MigrationOps:
    """Everything read from one revision file's functions."""

    calls: list[OpCall] = field(default_factory=list)
    imports: list[tuple[int, int, str, str]] = field(default_factory=list)  # (line, col, module, "app"|"migrations"|"library")

    def phase(self, name: str) -> list[OpCall]:
        return [c for c in self.calls if c.phase == name]

    def detach(self) -> None:
        """Drop the link unread `create_table` columns keep to their Extractor (a reference
        cycle): once no rule will read them, the extractor and its nodes free by refcount."""
        for call in self.calls:
            columns = call.params.get("columns")
            if isinstance(columns, _LazyColumns):
                columns._extractor = None  # type: ignore[assignment]


@dataclass
class _Frame:
    env: dict[str, Any]
    batch: dict[str, Any]  # alias -> table
    binds: set[str]
    contexts: set[str]
    tables: dict[str, Any]  # name -> table name (sa.table(...) objects)
    sessions: set[str]
    function: str
    depth: int


class _State:
    def __init__(self) -> None:
        self.autocommit = False
        self.in_transaction = True


class Extractor:
    def __init__(self, mig, *, dialect: str | None = None, local_tops: Iterable[str] = (), migration_tops: Iterable[str] = ()) -> None:
        self.mig = mig
        self.dialect = dialect
        self.local_tops = frozenset(local_tops)
        self.migration_tops = frozenset(migration_tops)
        self.result = MigrationOps()
        self.op_names: set[str] = {"op"}
        self.alembic_names: set[str] = set()
        self.context_names: set[str] = set()
        self.session_names: set[str] = set(SESSION_FACTORIES)
        self.imported: dict[str, tuple[str, bool]] = {}  # local name -> (module, from this project)
        self.constants: dict[str, Any] = {}
        self.module_tables: dict[str, Any] = {}  # module-level `helper = sa.Table("t", ...)` -> "t"
        self.phase = "upgrade"
        self.counter = 0
        self.state = _State()
        self.stack: list[str] = []

    # ------------------------------------------------------------------ entry
    def run(self) -> MigrationOps:
        functions = self.mig.functions
        if self.mig.syntax_error is not None:
            return self.result  # the file does not parse: AG003 says so; nothing here to read
        self._module_scope()
        for phase in PHASES:
            self.phase = phase
            self.counter = 0
            self.state = _State()
            fn = functions.get(phase)
            if fn is None:
                if phase == "upgrade":
                    self._unresolved_module_level(phase)
                continue
            frame = _Frame(dict(self.constants), {}, set(), set(self.context_names), dict(self.module_tables), set(), phase, 0)
            self.stack = [phase]
            self._body(fn.body, frame)
        return self.result

    def _unresolved_module_level(self, phase: str) -> None:
        line = 1
        for node in self.mig.tree.body:
            names = []
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.ImportFrom):
                names = [a.asname or a.name for a in node.names]
            if phase in names:
                line = node.lineno
                break
        reason = f"`{phase}()` is not a function defined in this file" if line != 1 else f"the file defines no `{phase}()` function"
        self._emit("unresolved", {"reason": reason}, Location(self.mig.relpath, line, 1, revision=self.mig.revision_id), None, "op")

    def _module_scope(self) -> None:
        for node in self.mig.tree.body:
            if isinstance(node, ast.ImportFrom):
                mod = "." * node.level + (node.module or "")
                kind = self._kind(node.module or "", node.level)
                local = kind != "library"
                self.result.imports.append((node.lineno, node.col_offset + 1, mod, kind))
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
                    kind = self._kind(alias.name, 0)
                    local = kind != "library"
                    self.result.imports.append((node.lineno, node.col_offset + 1, alias.name, kind))
                    if alias.name == "alembic.op" and alias.asname:
                        self.op_names.add(alias.asname)
                    elif alias.name in ("alembic", "alembic.op") and not alias.asname:
                        self.alembic_names.add("alembic")
                    self.imported[alias.asname or alias.name.split(".")[0]] = (alias.name, local)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    value = self._literal(node.value, self.constants)
                    module_frame = _Frame(self.constants, {}, set(), set(), self.module_tables, set(), "", 0)
                    table = self._table_object(node.value, module_frame)
                except RecursionError:  # a module constant nested too deeply: it stays unknown
                    continue
                if value is not UNRESOLVED:
                    self.constants[node.targets[0].id] = value
                if table is not None:
                    self.module_tables[node.targets[0].id] = table

    def _kind(self, module: str, level: int) -> str:
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

    # ------------------------------------------------------------------ statements
    def _body(self, stmts: list[ast.stmt], frame: _Frame) -> None:
        for stmt in stmts:
            try:
                self._stmt(stmt, frame)
            except RecursionError:
                # Only this statement is lost, never the file's other operations: it is reported
                # as not analysed (AG423) at its own line.
                self._unresolved(stmt, "an expression in this statement is nested too deeply for alembic-guard's reader", frame)

    def _stmt(self, node: ast.stmt, frame: _Frame) -> None:
        if isinstance(node, ast.With | ast.AsyncWith):
            self._with(node, frame)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self._for(node, frame)
        elif isinstance(node, ast.If):
            verdict = self._dialect_test(node.test, frame)
            if verdict is None:
                self._expr(node.test, frame)
                self._body(node.body, frame)
                self._body(node.orelse, frame)
            else:
                self._body(node.body if verdict else node.orelse, frame)
        elif isinstance(node, ast.While):
            self._expr(node.test, frame)
            self._body(node.body, frame)
            self._body(node.orelse, frame)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._body(node.body, frame)
            for h in node.handlers:
                self._body(h.body, frame)
            self._body(node.orelse, frame)
            self._body(node.finalbody, frame)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            if value is None:
                return
            self._expr(value, frame)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    self._bind(target.id, value, frame)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return  # nested definitions run only when called
        elif isinstance(node, ast.Match):
            self._expr(node.subject, frame)
            for case in node.cases:
                self._body(case.body, frame)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            # a call whose result is discarded is made for its effects: the strongest hint that an
            # imported helper runs operations
            if not self._call(node.value, frame, statement=True):
                self._expr(node.value.func, frame)
                for arg in node.value.args:
                    self._expr(arg, frame)
                for kw in node.value.keywords:
                    self._expr(kw.value, frame)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._expr(child, frame)

    def _bind(self, name: str, value: ast.expr, frame: _Frame) -> None:
        # read before the name is unbound: `stmt = stmt.bindparams(...)` keeps the SQL of `stmt`
        sql = self._sql_text(value, frame) if isinstance(value, ast.Call) else None
        for d in (frame.env, frame.tables):
            d.pop(name, None)
        frame.binds.discard(name)
        frame.contexts.discard(name)
        frame.sessions.discard(name)
        if self._is_bind_expr(value, frame):
            frame.binds.add(name)
        elif self._is_op_attr_call(value, "get_context") or self._is_context_call(value, frame):
            frame.contexts.add(name)
        elif self._table_object(value, frame) is not None:
            frame.tables[name] = self._table_object(value, frame)
        elif isinstance(value, ast.Call) and self._callee_name(value) in self.session_names:
            frame.sessions.add(name)
        elif self._dialect_test(value, frame) is not None:
            frame.env[name] = _DialectVerdict(self._dialect_test(value, frame))
        elif self._core_statement(value, frame) is not None:
            frame.env[name] = _CoreStatement(*self._core_statement(value, frame))
        elif isinstance(value, ast.Call) and self._callee_name(value) == "Column":
            frame.env[name] = _ColumnNode(value)
        elif sql is not None:
            frame.env[name] = _SqlText(sql)
        else:
            lit = self._literal(value, frame.env)
            if lit is not UNRESOLVED:
                frame.env[name] = lit

    def _with(self, node: ast.With | ast.AsyncWith, frame: _Frame) -> None:
        saved_batch = dict(frame.batch)
        saved_auto, saved_tx = self.state.autocommit, self.state.in_transaction
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and self._is_op_attr(expr.func, "batch_alter_table"):
                table = self._literal(self._arg(expr, 0, "table_name"), frame.env)
                if isinstance(item.optional_vars, ast.Name):
                    frame.batch[item.optional_vars.id] = table if isinstance(table, str) else UNRESOLVED
                continue
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "autocommit_block":
                self.state.autocommit = True
                self.state.in_transaction = False
                continue
            if isinstance(expr, ast.Call) and self._callee_name(expr) in self.session_names:
                self._emit_session(expr, frame)
                if isinstance(item.optional_vars, ast.Name):
                    frame.sessions.add(item.optional_vars.id)
                continue
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("begin", "connect") and isinstance(item.optional_vars, ast.Name):
                self._expr(expr, frame)
                frame.binds.add(item.optional_vars.id)
                continue
            self._expr(expr, frame)
        self._body(node.body, frame)
        frame.batch = saved_batch
        if self.state.autocommit and not saved_auto:
            self.state.autocommit, self.state.in_transaction = saved_auto, saved_tx

    def _for(self, node: ast.For | ast.AsyncFor, frame: _Frame) -> None:
        values = self._literal(node.iter, frame.env)
        if isinstance(values, (tuple, list)) and 0 < len(values) <= MAX_UNROLL and isinstance(node.target, ast.Name | ast.Tuple):
            for value in values:
                inner = _Frame(dict(frame.env), frame.batch, frame.binds, frame.contexts, frame.tables, frame.sessions, frame.function, frame.depth)
                if not self._assign_target(node.target, value, inner.env):
                    break
                self._body(node.body, inner)
            self._body(node.orelse, frame)
            return
        self._expr(node.iter, frame)
        inner = _Frame(dict(frame.env), frame.batch, frame.binds, frame.contexts, frame.tables, frame.sessions, frame.function, frame.depth)
        for name in ast.walk(node.target):
            if isinstance(name, ast.Name):
                inner.env.pop(name.id, None)
        self._body(node.body, inner)
        self._body(node.orelse, frame)

    def _assign_target(self, target: ast.expr, value: Any, env: dict[str, Any]) -> bool:
        if isinstance(target, ast.Name):
            env[target.id] = value
            return True
        if isinstance(target, ast.Tuple) and isinstance(value, (tuple, list)) and len(value) == len(target.elts):
            return all(self._assign_target(t, v, env) for t, v in zip(target.elts, value))
        return False

    def _dialect_test(self, test: ast.expr, frame: _Frame | None = None) -> bool | None:
        """True/False when `test` compares the dialect name with literals and the dialect is known."""
        if isinstance(test, ast.Name) and frame is not None:
            value = frame.env.get(test.id)
            return value if isinstance(value, _DialectVerdict) else None
        if not self.dialect or not isinstance(test, ast.Compare) or len(test.ops) != 1:
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                inner = self._dialect_test(test.operand, frame)
                return None if inner is None else not inner
            return None
        left = test.left
        if not (isinstance(left, ast.Attribute) and left.attr == "name" and isinstance(left.value, ast.Attribute) and left.value.attr == "dialect"):
            return None
        right = self._literal(test.comparators[0], {})
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

    # ------------------------------------------------------------------ expressions
    def _expr(self, node: ast.expr, frame: _Frame) -> None:
        """Handle every call in `node`, outermost first in source order; op calls consume their args.

        An explicit stack, not recursion: a 1,000-term concatenation or method chain is valid
        Python far deeper than the recursion limit (alembic_guard.astdepth)."""
        stack: list[ast.expr] = [node]
        while stack:
            node = stack.pop()
            children: list[ast.expr] = []
            if isinstance(node, ast.Call):
                if self._call(node, frame):
                    continue
                children = [node.func, *node.args, *(kw.value for kw in node.keywords)]
            elif isinstance(node, ast.Lambda):
                continue
            else:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.expr):
                        children.append(child)
                    elif isinstance(child, ast.comprehension):
                        children.append(child.iter)
                        children.extend(child.ifs)
            stack.extend(reversed(children))

    def _call(self, node: ast.Call, frame: _Frame, statement: bool = False) -> bool:
        func = node.func
        # op.<name>(...)
        if isinstance(func, ast.Attribute) and self._is_op(func.value):
            name = func.attr
            if name == "execute":
                self._sql(node, self._arg(node, 0, "sqltext"), frame, "op")
                return True
            if name in DYNAMIC_OPERATIONS:
                self._unresolved(node, f"`op.{name}(...)` runs an operation object built at run time", frame)
                return True
            if name in NOT_OPERATIONS:
                return name != "f"
            self._op(node, name, SIGNATURES.get(name, ()), frame, None)
            return True
        # batch_op.<name>(...)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in frame.batch:
            table = frame.batch[func.value.id]
            if func.attr == "execute":
                self._sql(node, self._arg(node, 0, "sqltext"), frame, "op")
                return True
            self._op(node, func.attr, BATCH_SIGNATURES.get(func.attr, ()), frame, table if isinstance(table, str) else UNRESOLVED)
            return True
        # <bind>.execute(...) / exec_driver_sql(...)
        if isinstance(func, ast.Attribute) and func.attr in ("execute", "exec_driver_sql") and self._is_bind_expr(func.value, frame):
            self._sql(node, self._arg(node, 0, "statement"), frame, "bind")
            return True
        # sa.Table(...).create(bind) / metadata-free table objects created through the connection
        if isinstance(func, ast.Attribute) and func.attr == "create" and any(self._is_bind_expr(a, frame) for a in [*node.args, *(k.value for k in node.keywords)]):
            table = self._table_object(func.value, frame)
            if table is not None:
                self._emit("create_table", {"table_name": table}, self._loc(node), node, "bind")
                return True
        # session.execute(...) / other session use
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in frame.sessions:
            return False
        callee = self._callee_name(node)
        if isinstance(func, ast.Name) and func.id in frame.sessions:
            return True  # `Session = sessionmaker(); session = Session(...)`: reported where it was made
        if callee in self.session_names and (isinstance(func, ast.Name) or callee in SESSION_FACTORIES):
            self._emit_session(node, frame)
            return True
        # getattr(op, name)(...), exec, eval
        if isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr" and func.args and self._is_op(func.args[0]):
            self._unresolved(node, "`getattr(op, ...)` calls an operation chosen at run time", frame)
            return True
        if statement and (isinstance(func, ast.Subscript) or (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id in ("getattr", "globals", "locals", "vars"))):
            # globals()["upgrade_%s" % name]() (Alembic's multidb template), handlers[key](), ...
            self._unresolved(node, f"`{_short(func) if not isinstance(func, ast.Subscript) else 'a function looked up at run time'}` is called: its operations cannot be read", frame)
            return True
        if isinstance(func, ast.Name) and func.id in ("exec", "eval"):
            self._unresolved(node, f"`{func.id}(...)` runs code that cannot be read statically", frame)
            return True
        # helpers defined in this file
        if isinstance(func, ast.Name) and func.id in self.mig.functions and func.id not in self.imported:
            self._helper(node, self.mig.functions[func.id], frame)
            return True
        # helpers from other modules of the project
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.imported:
            module, local = self.imported[root.id]
            passes_op = any(self._is_op(a) or (isinstance(a, ast.Name) and (a.id in frame.binds or a.id in frame.batch)) for a in [*node.args, *(k.value for k in node.keywords)])
            if (local and statement) or (passes_op and module.split(".")[0] not in LIBRARY_TOPS):
                if local and helper_is_ddl_free(self.mig.path, module if root is func else f"{module}.{_short(func).split('.', 1)[1]}"):
                    return True  # a project helper whose source holds no DDL (ops/helpers.py): nothing to analyse
                self._unresolved(node, f"calls `{ast.unparse(func)}` from `{module}`, whose operations cannot be read from this file", frame)
                return True
        return False

    def _helper(self, node: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef, frame: _Frame) -> None:
        if fn.name in self.stack or frame.depth >= MAX_DEPTH:
            return
        env = dict(self.constants)
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        binds, batch = set(), {}
        for idx, pname in enumerate(params):
            arg = node.args[idx] if idx < len(node.args) and not isinstance(node.args[idx], ast.Starred) else None
            if arg is None:
                arg = next((k.value for k in node.keywords if k.arg == pname), None)
            if arg is None:
                defaults = fn.args.defaults
                didx = idx - (len(params) - len(defaults))
                if 0 <= didx < len(defaults):
                    arg = defaults[didx]
            if arg is None:
                continue
            if self._is_op(arg):
                self.op_names.add(pname)
            elif self._is_bind_expr(arg, frame):
                binds.add(pname)
            elif isinstance(arg, ast.Name) and arg.id in frame.batch:
                batch[pname] = frame.batch[arg.id]
            else:
                value = self._literal(arg, frame.env)
                if value is not UNRESOLVED:
                    env[pname] = value
        for kw in fn.args.kwonlyargs:
            arg = next((k.value for k in node.keywords if k.arg == kw.arg), None)
            if arg is not None:
                value = self._literal(arg, frame.env)
                if value is not UNRESOLVED:
                    env[kw.arg] = value
        inner = _Frame(env, {**frame.batch, **batch}, set(frame.binds) | binds, set(frame.contexts), dict(frame.tables), set(frame.sessions), fn.name, frame.depth + 1)
        self.stack.append(fn.name)
        try:
            self._body(fn.body, inner)
        finally:
            self.stack.pop()

    # ------------------------------------------------------------------ recognisers
    def _is_op(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.op_names
        return isinstance(node, ast.Attribute) and node.attr == "op" and isinstance(node.value, ast.Name) and node.value.id in self.alembic_names

    def _is_op_attr(self, node: ast.expr, attr: str) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == attr and self._is_op(node.value)

    def _is_op_attr_call(self, node: ast.expr, attr: str) -> bool:
        return isinstance(node, ast.Call) and self._is_op_attr(node.func, attr)

    def _is_context_call(self, node: ast.expr, frame: _Frame) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_context" and isinstance(node.func.value, ast.Name) and node.func.value.id in self.context_names

    def _is_bind_expr(self, node: ast.expr, frame: _Frame) -> bool:
        if isinstance(node, ast.Name):
            return node.id in frame.binds
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if f.attr == "get_bind" and (self._is_op(f.value) or (isinstance(f.value, ast.Name) and f.value.id in self.context_names)):
                return True
            if f.attr in ("connect", "begin") and self._is_bind_expr(f.value, frame):
                return True
        if isinstance(node, ast.Attribute) and node.attr in ("bind", "connection"):
            v = node.value
            return self._is_op_attr_call(v, "get_context") or (isinstance(v, ast.Name) and v.id in frame.contexts) or self._is_context_call(v, frame)
        return False

    def _callee_name(self, node: ast.Call) -> str | None:
        f = node.func
        if isinstance(f, ast.Name):
            return f.id
        if isinstance(f, ast.Attribute):
            return f.attr
        return None

    def _table_object(self, node: ast.expr, frame: _Frame) -> str | None:
        """`sa.table("t", ...)` / `sa.Table("t", meta, ...)` / `op.create_table("t", ...)` (which
        returns the Table) / a name bound to one -> "t"."""
        if isinstance(node, ast.Name):
            return frame.tables.get(node.id)
        if isinstance(node, ast.Call) and (self._callee_name(node) in ("table", "Table") or self._is_op_attr(node.func, "create_table")) and node.args:
            value = self._literal(node.args[0], frame.env)
            return value if isinstance(value, str) else "?"
        return None

    # ------------------------------------------------------------------ emitters
    def _loc(self, node: ast.AST) -> Location:
        return Location(
            self.mig.relpath,
            getattr(node, "lineno", None),
            (getattr(node, "col_offset", 0) or 0) + 1,
            getattr(node, "end_lineno", None),
            (getattr(node, "end_col_offset", 0) or 0) + 1,
            revision=self.mig.revision_id,
        )

    def _emit(self, name: str, params: dict[str, Any], loc: Location, node: ast.AST | None, origin: str, *, batch_table: Any = None, function: str | None = None, sql: str | None = None) -> OpCall:
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

    def _unresolved(self, node: ast.AST, reason: str, frame: _Frame) -> None:
        self._emit("unresolved", {"reason": reason}, self._loc(node), node, "op")

    def _emit_session(self, node: ast.Call, frame: _Frame) -> None:
        self._emit("orm_session", {"factory": self._callee_name(node)}, self._loc(node), node, "orm")

    def _op(self, node: ast.Call, name: str, signature: tuple[str, ...], frame: _Frame, batch_table: Any) -> None:
        params: dict[str, Any] = {}
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        for idx, arg in enumerate(positional):
            if idx < len(signature):
                params[signature[idx]] = self._value(signature[idx], arg, frame)
            elif name == "create_table":
                params.setdefault("columns", _LazyColumns(self, dict(frame.env))).nodes.append(arg)
                params.setdefault("column_names", []).append(self._column_name(arg, frame))
        if any(isinstance(a, ast.Starred) for a in node.args):
            params["_starred"] = True
        for kw in node.keywords:
            if kw.arg is None:
                params["_kwargs_unpacked"] = True
                continue
            params[kw.arg] = self._value(kw.arg, kw.value, frame)
        if batch_table is not None:
            params.setdefault("table_name" if name != "create_foreign_key" else "source_table", batch_table)
        if name == "bulk_insert":
            table = self._table_object(self._arg(node, 0, "table"), frame) if self._arg(node, 0, "table") is not None else None
            params["table_name"] = table
        self._emit(name, params, self._loc(node), node, "batch" if batch_table is not None else "op", batch_table=batch_table)

    def _value(self, pname: str, node: ast.expr, frame: _Frame) -> Any:
        if pname == "column":
            return self._column(node, frame)
        if pname in ("type_", "existing_type"):
            return self._type(node)
        if pname in ("server_default", "existing_server_default"):
            return self._default(node, frame)
        if pname == "condition":
            text = self._sql_text(node, frame)
            return text if text is not None else UNRESOLVED
        return self._literal(node, frame.env)

    # ------------------------------------------------------------------ SQL
    def _sql_text(self, node: ast.expr | None, frame: _Frame) -> str | None:
        if node is None:
            return None
        # sa.text("...").bindparams(...) / .execution_options(...) / .columns(...), also on a name
        # bound to a text object (`stmt = text("..."); stmt = stmt.bindparams(...)`)
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("bindparams", "execution_options", "columns", "params") and isinstance(node.func.value, ast.Call | ast.Name):
            node = node.func.value
        if isinstance(node, ast.Call) and self._callee_name(node) in ("text", "literal_column", "DDL") and node.args:
            node = node.args[0]
        value = self._literal(node, frame.env)
        if isinstance(value, str):
            return str(value)  # a plain str, also for a name bound to _SqlText (the SQL parser wants str)
        if isinstance(node, ast.Name) and node.id in frame.env and isinstance(frame.env[node.id], str):
            return str(frame.env[node.id])
        return None

    def _sql(self, node: ast.Call, arg: ast.expr | None, frame: _Frame, origin: str) -> None:
        loc = self._loc(node)
        text = self._sql_text(arg, frame)
        if text is None:
            core = self._core_statement(arg, frame)
            if core is not None:
                verb, table = core
                self._emit(verb, {"table_name": table}, loc, node, origin)
                return
            what = "an f-string" if isinstance(arg, ast.JoinedStr) else ("a string built at run time" if isinstance(arg, ast.BinOp) else "an expression")
            text_shown = shown(self.mig.source, arg)
            self._emit("unanalysed_sql", {"reason": f"the SQL is {what} (`{text_shown}`) that cannot be read statically"}, loc, node, origin)
            return
        try:
            statements = sqlmod.parse(text)
        except sqlmod.SqlUnavailable:
            self._emit("unanalysed_sql", {"reason": "pglast (PostgreSQL's parser, a dependency of alembic-guardian) could not be imported on this platform", "unavailable": True}, loc, node, origin, sql=text)
            return
        except sqlmod.SqlSyntaxError as exc:
            self._emit("unanalysed_sql", {"reason": f"the PostgreSQL parser cannot read it ({exc})"}, loc, node, origin, sql=text)
            return
        base_line = self._literal_first_line(arg, text)
        for st in statements:
            if base_line is not None and "\n" in text[: st.offset]:
                line = base_line + text[: st.offset + (len(text[st.offset:]) - len(text[st.offset:].lstrip()))].count("\n")
                if line != loc.line:
                    loc = Location(self.mig.relpath, line, 1, revision=self.mig.revision_id)
            if st.name == "commit":
                self.state.in_transaction = False
            elif st.name == "begin":
                self.state.in_transaction = True
            self._emit(st.name, dict(st.params), loc, node, origin, sql=st.text)

    def _literal_first_line(self, arg: ast.expr | None, text: str) -> int | None:
        """Source line of a multi-line SQL literal's first character, when lines map one to one."""
        node = arg
        if isinstance(node, ast.Call) and self._callee_name(node) == "text" and node.args:
            node = node.args[0]
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value == text):
            return None
        seg = ast.get_source_segment(self.mig.source, node)
        if not seg or seg[:3] not in ('"""', "'''") or seg[3:-3] != text:
            return None
        return node.lineno

    def _core_statement(self, node: ast.expr | None, frame: _Frame) -> tuple[str, str | None] | None:
        """`t.update()...`, `sa.insert(t)...`, `sa.select(...)` -> (verb, table)."""
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            base = node.func.value
            if attr in DATA_VERBS and not (isinstance(base, ast.Name) and base.id in ("sa", "sqlalchemy", "expression", "sql")):
                table = self._table_object(base, frame)
                return DATA_VERBS[attr], table
            if attr in DATA_VERBS or attr == "select":
                if attr == "select":
                    return "select", None
                table = self._table_object(node.args[0], frame) if node.args else None
                return DATA_VERBS[attr], table
            node = base
        if isinstance(node, ast.Name) and isinstance(frame.env.get(node.id), _CoreStatement):
            stmt = frame.env[node.id]
            return stmt.verb, stmt.table
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in DATA_VERBS:
                table = self._table_object(node.args[0], frame) if node.args else None
                return DATA_VERBS[node.func.id], table
            if node.func.id == "select":
                return "select", None
        return None

    # ------------------------------------------------------------------ values
    def _arg(self, node: ast.Call, index: int, name: str) -> ast.expr | None:
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        if index < len(positional):
            return positional[index]
        return next((k.value for k in node.keywords if k.arg == name), None)

    def _literal(self, node: ast.expr | None, env: dict[str, Any]) -> Any:
        if node is None:
            return UNRESOLVED
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return env.get(node.id, UNRESOLVED)
        if isinstance(node, ast.Tuple | ast.List):
            items = [self._literal(e, env) for e in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                elif isinstance(v, ast.FormattedValue) and v.format_spec is None:
                    inner = self._literal(v.value, env)
                    if inner is UNRESOLVED or isinstance(inner, (list, tuple, dict)):
                        return UNRESOLVED
                    parts.append(str(inner))
                else:
                    return UNRESOLVED
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = []
            for operand in add_operands(node):  # iterative: concatenations may be 1,000s of terms long
                value = self._literal(operand, env)
                if not isinstance(value, str):
                    return UNRESOLVED
                parts.append(value)
            return "".join(parts)
        if isinstance(node, ast.Call):
            # op.f("name"), conv("name"), sa.text("...") keep their argument's value
            name = self._callee_name(node)
            if name in ("f", "conv", "quoted_name") and node.args:
                return self._literal(node.args[0], env)
            if name == "text" and node.args:
                return self._literal(node.args[0], env)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            v = self._literal(node.operand, env)
            return -v if isinstance(v, (int, float)) else UNRESOLVED
        if isinstance(node, ast.Dict):
            return UNRESOLVED
        return UNRESOLVED

    def _type(self, node: ast.expr) -> TypeSpec | Any:
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        call = node if isinstance(node, ast.Call) else None
        target = node.func if call else node
        if isinstance(target, ast.Attribute):
            tname = target.attr
        elif isinstance(target, ast.Name):
            tname = target.id
        else:
            return TypeSpec(None, raw=_short(node))
        key = tname.lower()
        name = _PY_TYPES.get(key)
        if name is None and key.endswith("type"):
            name = _PY_TYPES.get(key[:-4])
        length = precision = scale = None
        if call is not None:
            first = self._literal(call.args[0], {}) if call.args else UNRESOLVED
            kws = {k.arg: self._literal(k.value, {}) for k in call.keywords if k.arg}
            if name in ("varchar", "char"):
                length = kws.get("length", first)
                length = length if isinstance(length, int) else None
            if name == "numeric":
                precision = kws.get("precision", first)
                precision = precision if isinstance(precision, int) else None
                second = self._literal(call.args[1], {}) if len(call.args) > 1 else kws.get("scale")
                scale = second if isinstance(second, int) else None
            if name == "timestamp" and kws.get("timezone") is True:
                name = "timestamptz"
            if name == "varchar" and key in ("string", "unicode") and length is None and not call.args:
                name = "varchar"
        return TypeSpec(name, length=length, raw=_short(node), precision=precision, scale=scale)

    def _default(self, node: ast.expr, frame: _Frame) -> DefaultSpec | None | Any:
        if isinstance(node, ast.Constant):
            if node.value is None:
                return None
            if node.value is False and False:
                return None
            return DefaultSpec(repr(node.value), volatile=False)
        call = node if isinstance(node, ast.Call) else None
        if call is not None:
            name = self._callee_name(call)
            if name in ("text", "literal_column", "DefaultClause") and call.args:
                inner = call.args[0]
                if name == "DefaultClause":
                    return self._default(inner, frame)
                text = self._literal(inner, frame.env)
                if isinstance(text, str):
                    return DefaultSpec(text, volatile=sqlmod.expression_is_volatile(text))
                return DefaultSpec(_short(node), unknown=True)
            if name in ("true", "false", "null", "literal"):
                return DefaultSpec(_short(node), volatile=False)
            # sa.func.now(), func.gen_random_uuid()
            f = call.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name | ast.Attribute) and (getattr(f.value, "id", None) == "func" or getattr(f.value, "attr", None) == "func"):
                return DefaultSpec(f"{f.attr}()", volatile=sqlmod.function_is_volatile(f.attr))
        value = self._literal(node, frame.env)
        if isinstance(value, str):
            return DefaultSpec(repr(value), volatile=False)
        return DefaultSpec(_short(node), unknown=True)

    def _column_name(self, node: ast.expr, frame: _Frame) -> str | None:
        """Just the name of `sa.Column("name", ...)` (cheap: no type or default analysis)."""
        if isinstance(node, ast.Call) and node.args and self._callee_name(node) == "Column":
            value = self._literal(node.args[0], frame.env)
            return value if isinstance(value, str) else None
        return None

    def _column(self, node: ast.expr, frame: _Frame) -> ColumnSpec:
        if isinstance(node, ast.Name) and isinstance(frame.env.get(node.id), _ColumnNode):
            node = frame.env[node.id].node
        if not (isinstance(node, ast.Call) and self._callee_name(node) == "Column"):
            name = self._callee_name(node) if isinstance(node, ast.Call) else None
            if name in ("PrimaryKeyConstraint", "ForeignKeyConstraint", "UniqueConstraint", "CheckConstraint", "Index"):
                return ColumnSpec(name=None, resolved=True, type=TypeSpec(name, raw=name))
            return ColumnSpec(name=None, resolved=False)
        col_name = None
        type_: TypeSpec | None = None
        fk = identity = stored = False
        for idx, arg in enumerate(node.args):
            if idx == 0:
                value = self._literal(arg, frame.env)
                if isinstance(value, str):
                    col_name = value
                    continue
            callee = self._callee_name(arg) if isinstance(arg, ast.Call) else None
            if callee == "ForeignKey":
                fk = True
            elif callee == "Identity":
                identity = True
            elif callee == "Computed":
                stored = True
            elif callee in ("Sequence", "CheckConstraint"):
                continue
            elif type_ is None:
                type_ = self._type(arg)
        kws = {k.arg: k.value for k in node.keywords if k.arg}
        if type_ is None and "type_" in kws:
            type_ = self._type(kws["type_"])
        if col_name is None and "name" in kws:
            v = self._literal(kws["name"], frame.env)
            col_name = v if isinstance(v, str) else None
        nullable = self._literal(kws["nullable"], frame.env) if "nullable" in kws else None
        if not isinstance(nullable, bool):
            nullable = None if "nullable" not in kws else None
        server_default = self._default(kws["server_default"], frame) if "server_default" in kws else None
        pk = self._literal(kws.get("primary_key"), frame.env) is True
        unique = self._literal(kws.get("unique"), frame.env) is True
        if pk and type_ is not None and type_.name in ("integer", "bigint", "smallint") and self._literal(kws.get("autoincrement"), frame.env) is not False and server_default is None:
            identity = True  # SQLAlchemy renders an integer primary key as SERIAL: values for every row
        not_valid = False
        for arg in node.args:
            if isinstance(arg, ast.Call) and self._callee_name(arg) == "ForeignKey":
                not_valid = any(k.arg == "postgresql_not_valid" and self._literal(k.value, frame.env) is True for k in arg.keywords)
        return ColumnSpec(
            name=col_name, type=type_, nullable=nullable, server_default=server_default,
            default_python="default" in kws, primary_key=pk, unique=unique, foreign_key=fk,
            foreign_key_not_valid=not_valid, identity=identity, computed_stored=stored,
        )


def _short(node: ast.expr) -> str:
    """A cheap rendering of a type expression for messages (`sa.String(50)`); ast.unparse is slow."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_short(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        parts = []
        for a in node.args:
            parts.append(repr(a.value) if isinstance(a, ast.Constant) else _short(a))
        for k in node.keywords:
            v = k.value
            parts.append(f"{k.arg}={v.value!r}" if isinstance(v, ast.Constant) else f"{k.arg}=...")
        return f"{_short(node.func)}({', '.join(parts)})"
    if isinstance(node, ast.Constant):
        return repr(node.value)
    return "..."


def extract(mig, *, dialect: str | None = None, local_tops: Iterable[str] = (), migration_tops: Iterable[str] = ()) -> MigrationOps:
    """The operations of one parsed revision file (`alembic_guard.project.Migration`)."""
    return Extractor(mig, dialect=dialect, local_tops=local_tops, migration_tops=migration_tops).run()
