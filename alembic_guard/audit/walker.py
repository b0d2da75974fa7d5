"""The flow walker: a small abstract interpreter that runs one function body (or a module body) over
`ast`, statement by statement, keeping what each local name holds (`facts.Val`) and recording the
events the rules judge into the function's `facts.Flow`. It owns Python's side of the walk:
statements (assignments, `if`/`for`/`while`, `with` blocks that open and close sessions, `try`,
`match`, returns), name binding, parameters (FastAPI dependencies, `Session` annotations, usual
session names), comprehensions and the expressions that are not calls; what a call means is
`calls.CallSemantics`, mixed in. Branches are walked one after the other (if, then else; try, then
its handlers), an over-approximation that keeps the walk linear. It must not choose which functions
are walked or memoise flows (`audit/flow.py` does, and hands the walker its module analysis as `an`)
and must not import `audit/flow.py`.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from alembic_guard.core.astdepth import add_operands
from alembic_guard.audit.calls import CallSemantics
from alembic_guard.audit.facts import Access, Flow, Return, SessionState, Val
from alembic_guard.audit.vocabulary import SESSION_NAMES


class Walker(CallSemantics):
    def __init__(self, an, flow: Flow):
        # an: the module analysis of audit/flow.py (flow_of, returned_by, imported_returns, dependency_session)
        self.an = an
        self.flow = flow
        self.mod = an.mod
        self.app = an.app
        self.imp = an.mod.imports
        self.env: dict[str, Val] = {}
        self.closing: list[SessionState] = []  # sessions opened by enclosing `with` items
        self.coll_ctx: ast.AST | None = None
        self.in_with_item = False
        self.awaited: set[str] = set()
        self.scoped_states: dict[str, SessionState] = {}

    # ------------------------------------------------------------------ entry
    def run(self, node, body) -> None:
        if node is not None:
            for n in self.mod.own(node):
                if (isinstance(n, ast.Await) and isinstance(n.value, ast.Call)
                        and isinstance(n.value.func, ast.Attribute)):
                    recv = n.value.func.value
                    if isinstance(recv, ast.Name):
                        self.awaited.add(recv.id)
            self.bind_params(node)
        self.block(body)

    def bind_params(self, node) -> None:
        func = self.flow.func
        args = node.args
        for p in args.posonlyargs + args.args + args.kwonlyargs:
            val = None
            dep = func.depends.get(p.arg) if func else None
            if dep:
                state = self.an.dependency_session(dep)
                if state is not None:
                    state.var = p.arg
                    val = Val("session", session=state, is_async=state.is_async)
            if val is None and p.annotation is not None:
                key = self.annotation_key(p.annotation)
                if key in ("Session", "AsyncSession"):
                    # `await session.execute()` on a parameter annotated `Session`: the annotation is wrong,
                    # the await is not
                    is_async = key == "AsyncSession" or p.arg in self.awaited
                    expire = self.app.async_factories_expire() if is_async else True
                    state = SessionState(p.arg, is_async, None, expire, owned=False)
                    val = Val("session", session=state, is_async=is_async)
                elif key in ("sessionmaker", "async_sessionmaker"):  # a factory handed in (the asyncio docs)
                    fac = self.mod.factories.get(p.arg) or self.app.factories.get(p.arg)
                    val = Val("factory", factory=fac, is_async=key == "async_sessionmaker")
            if val is None and p.annotation is None and p.arg.lower() in SESSION_NAMES:
                is_async = True if p.arg in self.awaited or self.flow.is_async else False
                if True:
                    expire = self.app.async_factories_expire() if is_async else True
                    state = SessionState(p.arg, is_async, None, expire, owned=False)
                    val = Val("session", session=state, is_async=is_async)
            if val is not None:
                self.env[p.arg] = val

    def annotation_key(self, ann: ast.AST) -> str | None:
        if isinstance(ann, ast.Subscript):
            outer = self.imp.key(ann.value) or ""
            if outer.rsplit(".", 1)[-1] not in ("Annotated", "Optional"):
                return outer  # async_sessionmaker[AsyncSession] is a factory, not a session
            # Annotated[AsyncSession, Depends(...)], Optional[Session]
            inner = ann.slice.elts[0] if isinstance(ann.slice, ast.Tuple) and ann.slice.elts else ann.slice
            return self.imp.key(inner)
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            return {"AsyncSession": "AsyncSession", "Session": "Session"}.get(ann.value)
        return self.imp.key(ann)

    def relationship(self, model: str | None, attr: str):
        """The module's own mapping of `model` first (revision files each define their own snapshot
        classes under the same names), else the project's."""
        own = self.mod.models.get(model) if model else None
        if own is not None:
            return own.relationships.get(attr)
        return self.app.relationship(model, attr)

    # ------------------------------------------------------------------ statements
    def block(self, stmts) -> None:
        for s in stmts:
            try:
                self.stmt(s)
            except RecursionError:  # an expression nested too deeply: only this statement's facts are lost
                continue

    def stmt(self, s: ast.stmt) -> None:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in s.decorator_list:
                self.expr(d)
            return
        if isinstance(s, ast.Assign):
            val = self.expr(s.value)
            for t in s.targets:
                self.bind(t, val)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.bind(s.target, self.expr(s.value))
        elif isinstance(s, ast.AugAssign):
            self.expr(s.value)
        elif isinstance(s, ast.Expr):
            self.expr(s.value)
        elif isinstance(s, ast.Return):
            val = self.expr(s.value) if s.value is not None else None
            closed = bool(val is not None and (val.detached or val.session is not None and val.session.closed))
            self.flow.returns.append(Return(s, val, tuple(st for st in self.closing if st.owned), closed))
        elif isinstance(s, (ast.If, ast.While)):
            self.expr(s.test)
            self.block(s.body)
            self.block(s.orelse)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            self.coll_ctx = s.iter
            it = self.expr(s.iter)
            self.coll_ctx = None
            self.bind(s.target, self.element(it, s))
            self.block(s.body)
            if isinstance(s.target, ast.Name) and s.target.id in self.env and self.env[s.target.id].loop is s:
                self.env[s.target.id] = replace(self.env[s.target.id], loop=None)
            self.block(s.orelse)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            self.with_stmt(s)
        elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            self.block(s.body)
            for h in s.handlers:
                if h.type is not None:
                    self.expr(h.type)
                self.block(h.body)
            self.block(s.orelse)
            self.block(s.finalbody)
        elif isinstance(s, ast.Match):
            self.expr(s.subject)
            for case in s.cases:
                self.block(case.body)
        else:
            for child in ast.iter_child_nodes(s):
                if isinstance(child, ast.expr):
                    self.expr(child)
                elif isinstance(child, ast.stmt):
                    self.stmt(child)

    def with_stmt(self, s) -> None:
        opened: list[tuple[SessionState, bool, bool]] = []  # (state, closes at exit, commits at exit)
        for item in s.items:
            ctx = item.context_expr
            self.in_with_item = True
            val = self.expr(ctx)
            self.in_with_item = False
            if val is None:
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, None)
                continue
            if val.kind == "session" and val.session is not None and val.session.owned and val.session.node is ctx:
                opened.append((val.session, True, False))
                self.closing.append(val.session)
            elif val.kind == "txn" and val.session is not None:
                opened.append((val.session, val.session.owned and val.session.node is ctx, True))
                if val.session.node is ctx:
                    self.closing.append(val.session)
                    val = Val("session", session=val.session, is_async=val.session.is_async)
            elif val.kind == "conn" and val.session is not None:
                opened.append((val.session, True, False))
            if item.optional_vars is not None:
                self.bind(item.optional_vars, val)
        self.block(s.body)
        for state, closes, commits in reversed(opened):
            if commits:
                self.commit(state)
            if closes:
                state.closed = True
                if state in self.closing:
                    self.closing.remove(state)

    def bind(self, target: ast.AST, val: Val | None) -> None:
        if isinstance(target, ast.Name):
            if val is None:
                self.env.pop(target.id, None)
            else:
                if val.kind == "session" and val.session is not None and val.session.var is None:
                    val.session.var = target.id
                self.env[target.id] = val
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind(elt, None)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, None)

    def element(self, it: Val | None, loop: ast.AST) -> Val | None:
        if it is None:
            return None
        if it.kind in ("objs", "query", "result"):
            return replace(it, kind="obj", loop=loop)
        return None

    # ------------------------------------------------------------------ session effects
    def commit(self, state: SessionState) -> None:
        if not state.expire_on_commit:
            return
        for name, v in list(self.env.items()):
            if v.kind in ("obj", "objs") and v.session is state:
                self.env[name] = replace(v, expired=True)

    # ------------------------------------------------------------------ expressions
    def expr(self, node: ast.AST | None) -> Val | None:
        if node is None:
            return None
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is not None:
            return method(node)
        if isinstance(node, ast.BinOp):  # a 1,000-term concatenation: operands without recursion
            for operand in add_operands(node, any_operator=True):
                self.expr(operand)
            return None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
            elif isinstance(child, ast.comprehension):
                self.expr(child.iter)
        return None

    def e_Await(self, node: ast.Await) -> Val | None:
        return self.expr(node.value)

    def e_Lambda(self, node) -> None:
        return None

    def e_Name(self, node: ast.Name) -> Val | None:
        if node.id in self.env:
            return self.env[node.id]
        fac = self.mod.factories.get(node.id) or self.app.factories.get(node.id)
        if fac is not None:
            return Val("factory", factory=fac, is_async=fac.is_async)
        eng = next((e for e in self.mod.engines if e.name == node.id), None) or self.app.engines.get(node.id)
        if eng is not None:
            return Val("engine", engine=eng, is_async=eng.is_async)
        if node.id.lower() in SESSION_NAMES and node.id in self.mod.imports.names:
            # a session imported from the application's own module (`from db import session`)
            is_async = True if node.id in self.awaited else (False if not self.flow.is_async else None)
            state = SessionState(node.id, is_async, None, True, owned=False)
            val = Val("session", session=state, is_async=is_async)
            self.env[node.id] = val
            return val
        return None

    def e_Subscript(self, node: ast.Subscript) -> Val | None:
        base = self.expr(node.value)
        self.expr(node.slice)
        if base is not None and base.kind == "objs":
            return replace(base, kind="obj")
        return None

    def e_Compare(self, node: ast.Compare) -> None:
        self.expr(node.left)
        for op, comp in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                self.coll_ctx = comp
            self.expr(comp)
            self.coll_ctx = None
        return None

    def _comprehension(self, node, elts) -> None:
        saved = dict(self.env)
        for gen in node.generators:
            self.coll_ctx = gen.iter
            it = self.expr(gen.iter)
            self.coll_ctx = None
            self.bind(gen.target, self.element(it, node))
            for cond in gen.ifs:
                self.expr(cond)
        for e in elts:
            self.expr(e)
        self.env = saved

    def e_ListComp(self, node):
        self._comprehension(node, [node.elt])

    e_SetComp = e_ListComp
    e_GeneratorExp = e_ListComp

    def e_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    def e_Attribute(self, node: ast.Attribute) -> Val | None:
        if not isinstance(node.ctx, ast.Load):
            self.expr(node.value)
            return None
        if self.imp.is_flask_session(node):
            state = SessionState("db.session", False, None, True, owned=False, flask=True)
            return Val("session", session=state, is_async=False)
        if isinstance(node.value, ast.Name) and node.attr == "query" and node.value.id in self.app.models:
            state = SessionState("db.session", False, None, True, owned=False, flask=True)
            return Val("query", model=node.value.id, session=state, is_async=False, origin=node)
        coll = self.coll_ctx is node
        base = self.expr(node.value)
        if base is None or base.kind != "obj" or not isinstance(node.value, ast.Name):
            return None
        rel = self.relationship(base.model, node.attr)
        closed = base.detached or (base.session is not None and base.session.closed)
        self.flow.accesses.append(Access(node, node.value.id, node.attr, base, rel, self.flow.is_async, coll, closed))
        if rel is not None:
            sub = frozenset(p.split(".", 1)[1] for p in base.eager if p.startswith(node.attr + "."))
            kind = "objs" if rel.collection else "obj"
            return Val(kind, model=rel.target, eager=sub, session=base.session, is_async=base.is_async,
                       expired=base.expired, detached=base.detached)
        return None
