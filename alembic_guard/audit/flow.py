"""Function-level flow: what each local name holds while a function body runs, in statement order.

A small abstract interpreter over `ast`: it knows when a name holds an engine, a session factory,
a session (sync or async, open or closed, its `expire_on_commit`), a `select()` statement with its
loader options, a result, or ORM objects (their model, which relationships were eager-loaded,
whether a commit has expired them, the loop they are iterated in). It records *events* the rules
judge: attribute accesses on ORM objects, returns, session creations, sync calls in `async def`,
concurrent awaitables, results consumed after a joined eager load.

Branches are walked one after the other (if, then else; try, then its handlers) — an
over-approximation that keeps the walk linear. Nested functions get their own flow.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace

from alembic_guard.astdepth import add_operands
from alembic_guard.audit.symbols import (
    LOADER_OPTIONS,
    SESSION_NAMES,
    AppIndex,
    AppModule,
    FactoryInfo,
    FuncInfo,
    RelInfo,
    dotted,
    looks_plural,
    own_nodes,
)

QUERY_CHAIN = {"where", "filter", "filter_by", "join", "outerjoin", "order_by", "limit", "offset", "group_by",
               "having", "distinct", "execution_options", "select_from", "params", "with_for_update", "join_from"}
RESULT_ONE = {"scalar_one", "scalar", "first", "one", "one_or_none", "scalar_one_or_none", "get", "get_one",
              "first_or_404", "get_or_404", "one_or_404"}
RESULT_MANY = {"all", "fetchall", "partitions", "fetchmany", "paginate"}
SESSION_IO = {"execute", "scalars", "scalar", "get", "exec", "query", "commit", "flush", "refresh", "get_one",
              "merge", "delete", "stream", "stream_scalars", "connection"}
COLLECTION_FUNCS = {"len", "list", "set", "sorted", "any", "all", "sum", "tuple", "enumerate", "max", "min"}


@dataclass(eq=False)
class SessionState:
    var: str | None
    is_async: bool | None
    factory: FactoryInfo | None
    expire_on_commit: bool
    owned: bool  # created in this function
    node: ast.AST | None = None
    closed: bool = False
    flask: bool = False
    scoped: bool = False


@dataclass(frozen=True)
class Val:
    kind: str  # engine factory session conn txn stmt query result objs obj loader
    model: str | None = None
    eager: frozenset = frozenset()
    session: SessionState | None = None
    is_async: bool | None = None
    expired: bool = False
    detached: bool = False
    joined: tuple = ()  # ((relationship name, loader call node), ...) of joined eager loads of collections
    unique: bool = False
    loop: ast.AST | None = None
    engine: object = None
    factory: FactoryInfo | None = None
    origin: ast.AST | None = None
    path: str | None = None  # loader options: the relationship path so far ("orders.items")


@dataclass
class Access:
    node: ast.Attribute
    var: str
    attr: str
    val: Val
    rel: RelInfo | None
    in_async: bool
    collection_use: bool
    closed: bool = False  # the object's session was closed (or the object detached) at this point


@dataclass
class Return:
    node: ast.AST
    val: Val | None
    closing: tuple  # sessions that close when the function returns from here
    closed: bool = False  # the returned objects' session was already closed here


@dataclass
class SyncUse:
    node: ast.AST
    what: str
    var: str | None
    io: bool = True  # False: creating a Session object (no connection until it is used)


@dataclass
class Creation:
    node: ast.Call
    var: str | None
    kind: str  # session | conn
    in_with: bool
    inline: bool  # used directly as a receiver: Session(engine).execute(...)
    is_async: bool | None = None


@dataclass
class Consume:
    node: ast.AST
    val: Val


@dataclass
class Flow:
    module: AppModule
    func: FuncInfo | None
    accesses: list[Access] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    sync_uses: list[SyncUse] = field(default_factory=list)
    creations: list[Creation] = field(default_factory=list)
    consumes: list[Consume] = field(default_factory=list)
    env_at: dict[int, dict[str, Val]] = field(default_factory=dict)  # id(call node) -> env (gather/create_task calls)

    @property
    def is_async(self) -> bool:
        return bool(self.func and self.func.is_async)


def analyse_module(mod: AppModule, app: AppIndex) -> list[Flow]:
    """Flows of the module body and of every function in it (memoised on the module)."""
    if mod.flows:
        return mod.flows
    an = _ModuleAnalysis(mod, app)
    flows = [an.flow_of(None, mod.tree.body)]
    for node in sorted(mod.of(ast.FunctionDef, ast.AsyncFunctionDef), key=lambda n: (n.lineno, n.col_offset)):
        if True:
            flows.append(an.flow_of(node, node.body))
    mod.flows = flows
    return flows


class _ModuleAnalysis:
    def __init__(self, mod: AppModule, app: AppIndex):
        self.mod = mod
        self.app = app
        self.flows: dict[int, Flow] = {}
        self.busy: set[int] = set()

    def flow_of(self, node, body) -> Flow:
        key = id(node) if node is not None else 0
        if key in self.flows:
            return self.flows[key]
        self.busy.add(key)
        func = None
        if node is not None:
            func = self.mod.functions.get(node.name)
            if func is None or func.node is not node:
                from alembic_guard.audit.symbols import FuncInfo as _F

                func = _F(node.name, node, isinstance(node, ast.AsyncFunctionDef), False, None, {}, False)
        walker = _Walker(self, Flow(self.mod, func))
        walker.run(node, body)
        self.flows[key] = walker.flow
        self.busy.discard(key)
        return walker.flow

    def returned_by(self, name: str) -> Val | None:
        """What a module function returns, when it returns ORM objects from a session it closes."""
        func = self.mod.functions.get(name)
        if func is None or id(func.node) in self.busy:
            return None
        flow = self.flow_of(func.node, func.node.body)
        for r in flow.returns:
            if r.val is not None and r.val.kind in ("obj", "objs") and (r.closing or r.closed):
                return replace(r.val, detached=True, loop=None)
        return None

    def detached_return(self, func) -> Val | None:
        flow = self.flow_of(func.node, func.node.body)
        for r in flow.returns:
            if r.val is not None and r.val.kind in ("obj", "objs") and (r.closing or r.closed):
                return replace(r.val, detached=True, loop=None)
        return None

    def dependency_session(self, name: str) -> SessionState | None:
        """The session a FastAPI dependency (`get_db`) yields: its factory, async or not."""
        for func in self.app.functions.get(name, []):
            for n in own_nodes(func.node):
                if isinstance(n, ast.Call):
                    f = n.func
                    fname = f.id if isinstance(f, ast.Name) else (f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr == "begin" else None)
                    fac = self.app.factories.get(fname) if fname else None
                    if fac is not None:
                        return SessionState(name, fac.is_async, fac, fac.expire_on_commit, owned=False)
                    key = _session_class(n.func)
                    if key in ("Session", "AsyncSession"):
                        expire = _kw_false(n, "expire_on_commit")
                        return SessionState(name, key == "AsyncSession", None, not expire, owned=False)
            if func.is_async:
                return SessionState(name, True, None, self.app.async_factories_expire(), owned=False)
            return SessionState(name, False, None, True, owned=False)
        return None


def _imported_returns(app: AppIndex, name: str) -> Val | None:
    """Detached objects returned by a function of another module (`from app.crud import get_user`)."""
    funcs = app.functions.get(name, [])
    if len(funcs) != 1:
        return None
    func = funcs[0]
    owners = app.__dict__.setdefault("_func_module", {})
    if not owners:
        for m in app.modules:
            for f in m.functions.values():
                owners[id(f.node)] = m
    mod = owners.get(id(func.node))
    busy = app.__dict__.setdefault("_returns_busy", set())
    memo = app.__dict__.setdefault("_returns_memo", {})
    if mod is None or id(func.node) in busy:
        return None
    if id(func.node) not in memo:
        busy.add(id(func.node))
        try:
            memo[id(func.node)] = _ModuleAnalysis(mod, app).detached_return(func)
        finally:
            busy.discard(id(func.node))
    return memo[id(func.node)]


def _session_class(func: ast.AST) -> str | None:
    """`Session(...)` / `AsyncSession(...)` by name (the dependency may live in another module)."""
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name if name in ("Session", "AsyncSession") else None


def _kw_false(call: ast.Call, name: str) -> bool:
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant) and kw.value.value is False:
            return True
    return False


class _Walker:
    def __init__(self, an: _ModuleAnalysis, flow: Flow):
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
                if isinstance(n, ast.Await) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Attribute):
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
                    # `await session.execute()` on a parameter annotated `Session`: the annotation is wrong, the await is not
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

    def e_Call(self, node: ast.Call) -> Val | None:
        func = node.func
        key = self.imp.call_key(node)
        # arguments first (they run first); note collection context for len(x.items)
        is_coll_func = isinstance(func, ast.Name) and func.id in COLLECTION_FUNCS
        argvals = []
        for a in node.args:
            if is_coll_func:
                self.coll_ctx = a.value if isinstance(a, ast.Starred) else a
            argvals.append(self.expr(a))
            self.coll_ctx = None
        for kw in node.keywords:
            self.expr(kw.value)
        if (isinstance(func, ast.Attribute) and func.attr in ("model_validate", "from_orm", "parse_obj")
                and isinstance(func.value, ast.Name) and func.value.id in self.app.schemas
                and node.args and isinstance(node.args[0], ast.Name) and argvals and argvals[0] is not None):
            self.schema_reads(node.args[0], argvals[0], self.app.schemas[func.value.id])
        if key in ("asyncio.gather", "asyncio.create_task") or (isinstance(func, ast.Attribute) and func.attr in ("create_task", "start_soon")):
            self.flow.env_at[id(node)] = dict(self.env)
        if key in ("select",):
            model = _model_name(node.args[0]) if node.args else None
            return Val("stmt", model=model, origin=node)
        if key in ("create_engine", "create_async_engine"):
            eng = next((e for e in self.mod.engines if e.call is node), None)
            return Val("engine", engine=eng, is_async=key == "create_async_engine")
        if key in ("sessionmaker", "async_sessionmaker"):
            return Val("factory", is_async=key == "async_sessionmaker")
        if key in ("Session", "AsyncSession"):
            is_async = key == "AsyncSession"
            expire = not _kw_false(node, "expire_on_commit")
            state = SessionState(None, is_async, None, expire, owned=True, node=node)
            self.creation(node, "session", is_async)
            if self.flow.is_async and not is_async:
                self.flow.sync_uses.append(SyncUse(node, "creates a sync `Session`", None, io=False))
            return Val("session", session=state, is_async=is_async)
        if key in LOADER_OPTIONS:
            return self.loader(node, key, None)
        if isinstance(func, ast.Name):
            name = func.id
            fac = self.mod.factories.get(name) or self.app.factories.get(name)
            if fac is not None and name not in self.env:
                state = SessionState(None, fac.is_async, fac, fac.expire_on_commit, owned=not fac.scoped, node=node, scoped=fac.scoped)
                if not fac.scoped:
                    self.creation(node, "session", fac.is_async)
                if self.flow.is_async and not fac.is_async:
                    self.flow.sync_uses.append(SyncUse(node, f"opens a sync session from `{name}`", None, io=False))
                return Val("session", session=state, is_async=fac.is_async, factory=fac)
            held = self.env.get(name)
            if held is not None and held.kind == "factory":  # a factory parameter, called
                fac = held.factory
                expire = fac.expire_on_commit if fac else (self.app.async_factories_expire() if held.is_async else True)
                state = SessionState(None, held.is_async, fac, expire, owned=True, node=node)
                self.creation(node, "session", held.is_async)
                if self.flow.is_async and not held.is_async:
                    self.flow.sync_uses.append(SyncUse(node, f"opens a sync session from `{name}`", None, io=False))
                return Val("session", session=state, is_async=held.is_async, factory=fac)
            if name in self.app.models and name not in self.env:
                return Val("obj", model=name)
            if name in self.mod.functions and name not in self.env:
                return self.an.returned_by(name)
            if name in self.imp.names and name in self.app.functions and name not in self.env:
                return _imported_returns(self.app, name)
            if name in ("list", "tuple", "sorted") and argvals and argvals[0] is not None and argvals[0].kind in ("objs", "result", "query"):
                return replace(argvals[0], kind="objs")
            return None
        if not isinstance(func, ast.Attribute):
            self.expr(func)
            return None
        meth = func.attr
        recv = self.expr(func.value)
        if recv is None:
            return None
        kind = recv.kind
        if kind == "loader":
            if meth in LOADER_OPTIONS:
                return self.loader(node, meth, recv)
            return recv
        if kind == "session":
            return self.session_call(node, meth, recv, argvals)
        if kind == "factory" and recv.factory is not None and recv.factory.scoped and meth not in ("begin", "remove", "configure"):
            # a scoped_session registry proxies the thread's session: `db_session.query(User)`
            fac = recv.factory
            state = self.scoped_states.setdefault(fac.name, SessionState(fac.name, fac.is_async, fac, fac.expire_on_commit, owned=False, scoped=True))
            return self.session_call(node, meth, Val("session", session=state, is_async=fac.is_async, factory=fac), argvals)
        if kind == "factory" and meth == "begin":
            fac = recv.factory
            state = SessionState(None, recv.is_async, fac, fac.expire_on_commit if fac else True, owned=True, node=node)
            self.creation(node, "session")
            return Val("txn", session=state, is_async=recv.is_async, factory=fac)
        if kind == "engine":
            if meth in ("connect", "begin", "raw_connection"):
                state = SessionState(None, recv.is_async, None, False, owned=True, node=node)
                self.creation(node, "conn", recv.is_async)
                if self.flow.is_async and recv.is_async is False:
                    self.flow.sync_uses.append(SyncUse(node, f"calls `{dotted(func)}()` on a sync engine", None))
                return Val("conn", session=state, is_async=recv.is_async, engine=recv.engine)
            return None
        if kind == "conn":
            if meth in ("execute", "scalars", "scalar"):
                return Val("result", session=None)
            return None
        if kind in ("stmt", "query"):
            if meth == "options":
                eager, joined = set(recv.eager), list(recv.joined)
                for a in argvals:
                    if a is not None and a.kind == "loader":
                        eager |= a.eager
                        joined.extend(a.joined)
                return replace(recv, eager=frozenset(eager), joined=tuple(joined))
            if meth in QUERY_CHAIN:
                return recv
            if kind == "query":
                if meth in RESULT_MANY:
                    self.flow.consumes.append(Consume(node, recv))
                    return replace(recv, kind="objs")
                if meth in RESULT_ONE:
                    self.flow.consumes.append(Consume(node, recv))
                    return replace(recv, kind="obj")
            return None
        if kind == "result":
            if meth in ("scalars", "unique", "yield_per", "mappings", "columns"):
                return replace(recv, unique=recv.unique or meth == "unique")
            if meth in RESULT_MANY:
                self.flow.consumes.append(Consume(node, recv))
                return replace(recv, kind="objs")
            if meth in RESULT_ONE:
                self.flow.consumes.append(Consume(node, recv))
                return replace(recv, kind="obj")
            return None
        return None

    def schema_reads(self, arg: ast.Name, val: Val, fields: set) -> None:
        """`UserOut.model_validate(user)` reads every field of the schema from the object."""
        if val.kind != "obj" or val.model not in self.app.models:
            return
        closed = val.detached or (val.session is not None and val.session.closed)
        for name in sorted(fields):
            rel = self.relationship(val.model, name)
            if rel is not None:
                self.flow.accesses.append(Access(arg, arg.id, name, val, rel, self.flow.is_async, False, closed))

    def creation(self, node: ast.Call, kind: str, is_async: bool | None = None) -> None:
        self.flow.creations.append(Creation(node, None, kind, self.in_with_item, False, is_async))

    def session_call(self, node: ast.Call, meth: str, recv: Val, argvals: list) -> Val | None:
        state = recv.session
        awaited = isinstance(self.mod.parents.get(id(node)), ast.Await)  # awaited: an async session whatever it was taken for
        if self.flow.is_async and recv.is_async is False and meth in SESSION_IO and not (state and state.flask) and not awaited:
            self.flow.sync_uses.append(SyncUse(node, f"calls sync `{dotted(node.func)}()`", state.var if state else None))
        common = dict(session=state, is_async=recv.is_async)
        first = argvals[0] if argvals else None
        if meth in ("execute", "exec", "stream"):
            if first is not None and first.kind == "stmt":
                return replace(first, kind="result", **common)
            return Val("result", **common)
        if meth in ("scalars", "stream_scalars"):
            if first is not None and first.kind == "stmt":
                return replace(first, kind="result", **common)
            return Val("result", **common)
        if meth == "scalar":
            if first is not None and first.kind == "stmt":
                self.flow.consumes.append(Consume(node, replace(first, **common)))
                return replace(first, kind="obj", **common)
            return None
        if meth in ("get", "get_one"):
            model = _model_name(node.args[0]) if node.args else None
            eager: set[str] = set()
            opts = next((kw.value for kw in node.keywords if kw.arg == "options"), None)
            if opts is not None:
                for elt in getattr(opts, "elts", []):
                    v = self.expr(elt)
                    if v is not None and v.kind == "loader":
                        eager |= v.eager
            return Val("obj", model=model, eager=frozenset(eager), origin=node, **common)
        if meth == "query":
            model = _model_name(node.args[0]) if node.args else None
            return Val("query", model=model, origin=node, **common)
        if meth == "commit" and state is not None:
            self.commit(state)
        elif meth == "refresh" and node.args and isinstance(node.args[0], ast.Name):
            name = node.args[0].id
            if name in self.env:
                v = self.env[name]
                attrs = node.args[1] if len(node.args) > 1 else next((kw.value for kw in node.keywords if kw.arg == "attribute_names"), None)
                extra = {e.value for e in getattr(attrs, "elts", []) if isinstance(e, ast.Constant) and isinstance(e.value, str)}
                self.env[name] = replace(v, expired=False, eager=v.eager | frozenset(extra))
        elif meth in ("add", "merge") and node.args and isinstance(node.args[0], ast.Name):
            name = node.args[0].id
            v = self.env.get(name)
            if v is not None and v.kind == "obj":
                self.env[name] = replace(v, **common)
        elif meth == "add_all" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            for e in node.args[0].elts:
                if isinstance(e, ast.Name) and e.id in self.env and self.env[e.id].kind == "obj":
                    self.env[e.id] = replace(self.env[e.id], **common)
        elif meth == "close" and state is not None:
            state.closed = True
        elif meth == "expunge" and node.args and isinstance(node.args[0], ast.Name):
            name = node.args[0].id
            if name in self.env:
                self.env[name] = replace(self.env[name], detached=True)
        elif meth in ("begin", "begin_nested"):
            return Val("txn", **common)
        return None

    def loader(self, node: ast.Call, name: str, parent: Val | None) -> Val:
        """`selectinload(User.orders)`, chained `.selectinload(Order.items)`: the eager paths so far."""
        paths = set(parent.eager) if parent is not None else set()
        joined = list(parent.joined) if parent is not None else []
        path = parent.path if parent is not None else None
        for a in node.args:
            attr, model = None, None
            if isinstance(a, ast.Attribute):
                attr, model = a.attr, _model_name(a.value)
            elif isinstance(a, ast.Constant) and isinstance(a.value, str):
                attr = a.value.split(".")[-1]
            if attr is None:
                continue
            path = f"{path}.{attr}" if path else attr
            paths.add(path)
            if name == "joinedload":
                rel = self.relationship(model, attr)
                if rel.collection if rel is not None else looks_plural(attr):
                    joined.append((f"{model}.{attr}" if model else attr, node))
        return Val("loader", eager=frozenset(paths), joined=tuple(joined), origin=node, path=path)


def _model_name(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr if node.attr[:1].isupper() else (node.value.id if isinstance(node.value, ast.Name) else None)
    return None


