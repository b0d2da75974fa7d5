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

This module owns the walk: statements in execution order, `with` blocks, loops, dialect `if`s,
which calls are operations, and following helpers. What a name means comes from `scope.py`,
argument values from `arguments.py`, and the OpCalls are recorded by `record.py`; this module
must not read argument values or parse SQL itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from alembic_guard.findings import Location
from alembic_guard.ops.arguments import ColumnNode, SqlText, argument, callee_name, literal, short, sql_text
from alembic_guard.ops.calls import BATCH_SIGNATURES, SIGNATURES, UNRESOLVED
from alembic_guard.ops.helpers import helper_is_ddl_free
from alembic_guard.ops.record import MigrationOps, Recorder, State
from alembic_guard.ops.scope import LIBRARY_TOPS, SESSION_FACTORIES, CoreStatement, DialectVerdict, Frame, RevisionScope

PHASES = ("upgrade", "downgrade")
MAX_DEPTH = 8
MAX_UNROLL = 32

# op attributes that are not operations themselves
NOT_OPERATIONS = frozenset({"get_bind", "get_context", "f", "inline_literal", "batch_alter_table", "implementation_for", "register_operation"})
DYNAMIC_OPERATIONS = frozenset({"invoke", "run_async"})


class Extractor:
    """Walks one revision file's `upgrade()` and `downgrade()` and records their OpCalls."""

    def __init__(self, mig, *, dialect: str | None = None, local_tops: Iterable[str] = (), migration_tops: Iterable[str] = ()) -> None:
        self.mig = mig
        self.scope = RevisionScope(dialect=dialect, local_tops=local_tops, migration_tops=migration_tops)
        self.out = Recorder(mig, self.scope)

    # ------------------------------------------------------------------ entry
    def run(self) -> MigrationOps:
        functions = self.mig.functions
        out, scope = self.out, self.scope
        if self.mig.syntax_error is not None:
            return out.result  # the file does not parse: AG003 says so; nothing here to read
        scope.read_module(self.mig.tree)
        out.result.imports = scope.imports
        for phase in PHASES:
            out.phase = phase
            out.counter = 0
            out.state = State()
            fn = functions.get(phase)
            if fn is None:
                if phase == "upgrade":
                    self._unresolved_module_level(phase)
                continue
            frame = Frame(dict(scope.constants), {}, set(), set(scope.context_names), dict(scope.module_tables), set(), phase, 0)
            out.stack = [phase]
            self._body(fn.body, frame)
        return out.result

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
        self.out.emit("unresolved", {"reason": reason}, Location(self.mig.relpath, line, 1, revision=self.mig.revision_id), None, "op")

    # ------------------------------------------------------------------ statements
    def _body(self, stmts: list[ast.stmt], frame: Frame) -> None:
        for stmt in stmts:
            try:
                self._stmt(stmt, frame)
            except RecursionError:
                # Only this statement is lost, never the file's other operations: it is reported
                # as not analysed (AG423) at its own line.
                self.out.unresolved(stmt, "an expression in this statement is nested too deeply for alembic-guard's reader")

    def _stmt(self, node: ast.stmt, frame: Frame) -> None:
        if isinstance(node, ast.With | ast.AsyncWith):
            self._with(node, frame)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self._for(node, frame)
        elif isinstance(node, ast.If):
            verdict = self.scope.dialect_test(node.test, frame)
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

    def _bind(self, name: str, value: ast.expr, frame: Frame) -> None:
        # read before the name is unbound: `stmt = stmt.bindparams(...)` keeps the SQL of `stmt`
        sql = sql_text(value, frame.env) if isinstance(value, ast.Call) else None
        for d in (frame.env, frame.tables):
            d.pop(name, None)
        frame.binds.discard(name)
        frame.contexts.discard(name)
        frame.sessions.discard(name)
        if self.scope.is_bind_expr(value, frame):
            frame.binds.add(name)
        elif self.scope.is_op_attr_call(value, "get_context") or self.scope.is_context_call(value, frame):
            frame.contexts.add(name)
        elif self.scope.table_object(value, frame) is not None:
            frame.tables[name] = self.scope.table_object(value, frame)
        elif isinstance(value, ast.Call) and callee_name(value) in self.scope.session_names:
            frame.sessions.add(name)
        elif self.scope.dialect_test(value, frame) is not None:
            frame.env[name] = DialectVerdict(self.scope.dialect_test(value, frame))
        elif self.scope.core_statement(value, frame) is not None:
            frame.env[name] = CoreStatement(*self.scope.core_statement(value, frame))
        elif isinstance(value, ast.Call) and callee_name(value) == "Column":
            frame.env[name] = ColumnNode(value)
        elif sql is not None:
            frame.env[name] = SqlText(sql)
        else:
            lit = literal(value, frame.env)
            if lit is not UNRESOLVED:
                frame.env[name] = lit

    def _with(self, node: ast.With | ast.AsyncWith, frame: Frame) -> None:
        saved_batch = dict(frame.batch)
        saved_auto, saved_tx = self.out.state.autocommit, self.out.state.in_transaction
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and self.scope.is_op_attr(expr.func, "batch_alter_table"):
                table = literal(argument(expr, 0, "table_name"), frame.env)
                if isinstance(item.optional_vars, ast.Name):
                    frame.batch[item.optional_vars.id] = table if isinstance(table, str) else UNRESOLVED
                continue
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "autocommit_block":
                self.out.state.autocommit = True
                self.out.state.in_transaction = False
                continue
            if isinstance(expr, ast.Call) and callee_name(expr) in self.scope.session_names:
                self.out.session(expr)
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
        if self.out.state.autocommit and not saved_auto:
            self.out.state.autocommit, self.out.state.in_transaction = saved_auto, saved_tx

    def _for(self, node: ast.For | ast.AsyncFor, frame: Frame) -> None:
        values = literal(node.iter, frame.env)
        if isinstance(values, (tuple, list)) and 0 < len(values) <= MAX_UNROLL and isinstance(node.target, ast.Name | ast.Tuple):
            for value in values:
                inner = Frame(dict(frame.env), frame.batch, frame.binds, frame.contexts, frame.tables, frame.sessions, frame.function, frame.depth)
                if not self._assign_target(node.target, value, inner.env):
                    break
                self._body(node.body, inner)
            self._body(node.orelse, frame)
            return
        self._expr(node.iter, frame)
        inner = Frame(dict(frame.env), frame.batch, frame.binds, frame.contexts, frame.tables, frame.sessions, frame.function, frame.depth)
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

    # ------------------------------------------------------------------ expressions
    def _expr(self, node: ast.expr, frame: Frame) -> None:
        """Handle every call in `node`, outermost first in source order; op calls consume their args.

        An explicit stack, not recursion: a 1,000-term concatenation or method chain is valid
        Python far deeper than the recursion limit (alembic_guard.core.astdepth)."""
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

    def _call(self, node: ast.Call, frame: Frame, statement: bool = False) -> bool:
        func = node.func
        # op.<name>(...)
        if isinstance(func, ast.Attribute) and self.scope.is_op(func.value):
            name = func.attr
            if name == "execute":
                self.out.sql(node, argument(node, 0, "sqltext"), frame, "op")
                return True
            if name in DYNAMIC_OPERATIONS:
                self.out.unresolved(node, f"`op.{name}(...)` runs an operation object built at run time")
                return True
            if name in NOT_OPERATIONS:
                return name != "f"
            self.out.op(node, name, SIGNATURES.get(name, ()), frame, None)
            return True
        # batch_op.<name>(...)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in frame.batch:
            table = frame.batch[func.value.id]
            if func.attr == "execute":
                self.out.sql(node, argument(node, 0, "sqltext"), frame, "op")
                return True
            self.out.op(node, func.attr, BATCH_SIGNATURES.get(func.attr, ()), frame, table if isinstance(table, str) else UNRESOLVED)
            return True
        # <bind>.execute(...) / exec_driver_sql(...)
        if isinstance(func, ast.Attribute) and func.attr in ("execute", "exec_driver_sql") and self.scope.is_bind_expr(func.value, frame):
            self.out.sql(node, argument(node, 0, "statement"), frame, "bind")
            return True
        # sa.Table(...).create(bind) / metadata-free table objects created through the connection
        if isinstance(func, ast.Attribute) and func.attr == "create" and any(self.scope.is_bind_expr(a, frame) for a in [*node.args, *(k.value for k in node.keywords)]):
            table = self.scope.table_object(func.value, frame)
            if table is not None:
                self.out.emit("create_table", {"table_name": table}, self.out.loc(node), node, "bind")
                return True
        # session.execute(...) / other session use
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in frame.sessions:
            return False
        callee = callee_name(node)
        if isinstance(func, ast.Name) and func.id in frame.sessions:
            return True  # `Session = sessionmaker(); session = Session(...)`: reported where it was made
        if callee in self.scope.session_names and (isinstance(func, ast.Name) or callee in SESSION_FACTORIES):
            self.out.session(node)
            return True
        # getattr(op, name)(...), exec, eval
        if isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr" and func.args and self.scope.is_op(func.args[0]):
            self.out.unresolved(node, "`getattr(op, ...)` calls an operation chosen at run time")
            return True
        if statement and (isinstance(func, ast.Subscript) or (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id in ("getattr", "globals", "locals", "vars"))):
            # globals()["upgrade_%s" % name]() (Alembic's multidb template), handlers[key](), ...
            self.out.unresolved(node, f"`{short(func) if not isinstance(func, ast.Subscript) else 'a function looked up at run time'}` is called: its operations cannot be read")
            return True
        if isinstance(func, ast.Name) and func.id in ("exec", "eval"):
            self.out.unresolved(node, f"`{func.id}(...)` runs code that cannot be read statically")
            return True
        # helpers defined in this file
        if isinstance(func, ast.Name) and func.id in self.mig.functions and func.id not in self.scope.imported:
            self._helper(node, self.mig.functions[func.id], frame)
            return True
        # helpers from other modules of the project
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.scope.imported:
            module, local = self.scope.imported[root.id]
            passes_op = any(self.scope.is_op(a) or (isinstance(a, ast.Name) and (a.id in frame.binds or a.id in frame.batch)) for a in [*node.args, *(k.value for k in node.keywords)])
            if (local and statement) or (passes_op and module.split(".")[0] not in LIBRARY_TOPS):
                if local and helper_is_ddl_free(self.mig.path, module if root is func else f"{module}.{short(func).split('.', 1)[1]}"):
                    return True  # a project helper whose source holds no DDL (ops/helpers.py): nothing to analyse
                self.out.unresolved(node, f"calls `{ast.unparse(func)}` from `{module}`, whose operations cannot be read from this file")
                return True
        return False

    def _helper(self, node: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef, frame: Frame) -> None:
        if fn.name in self.out.stack or frame.depth >= MAX_DEPTH:
            return
        env = dict(self.scope.constants)
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
            if self.scope.is_op(arg):
                self.scope.op_names.add(pname)
            elif self.scope.is_bind_expr(arg, frame):
                binds.add(pname)
            elif isinstance(arg, ast.Name) and arg.id in frame.batch:
                batch[pname] = frame.batch[arg.id]
            else:
                value = literal(arg, frame.env)
                if value is not UNRESOLVED:
                    env[pname] = value
        for kw in fn.args.kwonlyargs:
            arg = next((k.value for k in node.keywords if k.arg == kw.arg), None)
            if arg is not None:
                value = literal(arg, frame.env)
                if value is not UNRESOLVED:
                    env[kw.arg] = value
        inner = Frame(env, {**frame.batch, **batch}, set(frame.binds) | binds, set(frame.contexts), dict(frame.tables), set(frame.sessions), fn.name, frame.depth + 1)
        self.out.stack.append(fn.name)
        try:
            self._body(fn.body, inner)
        finally:
            self.out.stack.pop()


def extract(mig, *, dialect: str | None = None, local_tops: Iterable[str] = (), migration_tops: Iterable[str] = ()) -> MigrationOps:
    """The operations of one parsed revision file (`alembic_guard.project.Migration`)."""
    return Extractor(mig, dialect=dialect, local_tops=local_tops, migration_tops=migration_tops).run()
