"""Function-level flow: what each local name holds while a function body runs, in statement order.
`analyse_module(mod, app)` gives the flows of a module body and of every function in it, memoised on
the module: when a name holds an engine, a session factory, a session (sync or async, open or
closed, its `expire_on_commit`), a `select()` statement with its loader options, a result, or ORM
objects (their model, which relationships were eager-loaded, whether a commit has expired them, the
loop they are iterated in), and the events the rules judge (`audit/facts.py`). It owns the driving
of the walk: which bodies are walked (nested functions get their own flow), the memo, and the
questions one function's walk asks about another (what a helper of this or another module returns,
what session a FastAPI dependency yields). It must not interpret statements or calls itself
(`audit/walker.py`, `audit/calls.py`) nor judge anything (the rules do).
"""

from __future__ import annotations

import ast
from dataclasses import replace

from alembic_guard.audit.facts import Flow, SessionState, Val
from alembic_guard.audit.symbols import AppIndex, AppModule, FuncInfo
from alembic_guard.audit.syntax import kw_false, own_nodes
from alembic_guard.audit.walker import Walker


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
                func = FuncInfo(node.name, node, isinstance(node, ast.AsyncFunctionDef), False, None, {}, False)
        walker = Walker(self, Flow(self.mod, func))
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

    def imported_returns(self, name: str) -> Val | None:
        """What a function imported from another module returns (see `_imported_returns`)."""
        return _imported_returns(self.app, name)

    def dependency_session(self, name: str) -> SessionState | None:
        """The session a FastAPI dependency (`get_db`) yields: its factory, async or not."""
        for func in self.app.functions.get(name, []):
            for n in own_nodes(func.node):
                if isinstance(n, ast.Call):
                    f = n.func
                    fname = f.id if isinstance(f, ast.Name) else (
                        f.value.id
                        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr == "begin"
                        else None)
                    fac = self.app.factories.get(fname) if fname else None
                    if fac is not None:
                        return SessionState(name, fac.is_async, fac, fac.expire_on_commit, owned=False)
                    key = _session_class(n.func)
                    if key in ("Session", "AsyncSession"):
                        expire = kw_false(n, "expire_on_commit")
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
