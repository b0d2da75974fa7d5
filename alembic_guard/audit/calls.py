"""What a call means in SQLAlchemy's API, for the flow walker: `create_engine(...)` gives an engine,
`sessionmaker(...)` a factory, calling the factory opens a session, `session.execute(select(User))`
a result of `User` objects that `.scalars().all()` consumes, `selectinload(User.orders)` an eager
path; `session.commit()` expires what the session holds, `session.close()` closes it, a sync
session used in `async def` is a `SyncUse`. It owns this API knowledge (the method sets below and
`CallSemantics`, mixed into `walker.Walker`); it must not walk statements, bind names or decide what
Python control flow does (`audit/walker.py`), and must not import the walker or `audit/flow.py`.
The mixin uses the walker's state through `self`: `env`, `flow`, `mod`, `app`, `imp`, `an`,
`coll_ctx`, `in_with_item`, `scoped_states`, and its methods `expr`, `relationship` and `commit`.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from alembic_guard.audit.facts import Access, Consume, Creation, SessionState, SyncUse, Val
from alembic_guard.audit.syntax import dotted, kw_false
from alembic_guard.audit.vocabulary import LOADER_OPTIONS, looks_plural

QUERY_CHAIN = {"where", "filter", "filter_by", "join", "outerjoin", "order_by", "limit", "offset", "group_by",
               "having", "distinct", "execution_options", "select_from", "params", "with_for_update", "join_from"}
RESULT_ONE = {"scalar_one", "scalar", "first", "one", "one_or_none", "scalar_one_or_none", "get", "get_one",
              "first_or_404", "get_or_404", "one_or_404"}
RESULT_MANY = {"all", "fetchall", "partitions", "fetchmany", "paginate"}
SESSION_IO = {"execute", "scalars", "scalar", "get", "exec", "query", "commit", "flush", "refresh", "get_one",
              "merge", "delete", "stream", "stream_scalars", "connection"}
COLLECTION_FUNCS = {"len", "list", "set", "sorted", "any", "all", "sum", "tuple", "enumerate", "max", "min"}


class CallSemantics:
    """The walker's `e_Call` case: the value a call gives and what it does to sessions and objects."""

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
        if key in ("asyncio.gather", "asyncio.create_task") or (
                isinstance(func, ast.Attribute) and func.attr in ("create_task", "start_soon")):
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
            expire = not kw_false(node, "expire_on_commit")
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
                state = SessionState(None, fac.is_async, fac, fac.expire_on_commit, owned=not fac.scoped, node=node,
                                     scoped=fac.scoped)
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
                return self.an.imported_returns(name)
            if (name in ("list", "tuple", "sorted") and argvals and argvals[0] is not None
                    and argvals[0].kind in ("objs", "result", "query")):
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
        if (kind == "factory" and recv.factory is not None and recv.factory.scoped
                and meth not in ("begin", "remove", "configure")):
            # a scoped_session registry proxies the thread's session: `db_session.query(User)`
            fac = recv.factory
            state = self.scoped_states.setdefault(
                fac.name, SessionState(fac.name, fac.is_async, fac, fac.expire_on_commit, owned=False, scoped=True))
            return self.session_call(node, meth, Val("session", session=state, is_async=fac.is_async, factory=fac),
                                     argvals)
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
                return self._rows_read(node, recv, meth)
            return None
        if kind == "result":
            if meth in ("scalars", "unique", "yield_per", "mappings", "columns"):
                return replace(recv, unique=recv.unique or meth == "unique")
            return self._rows_read(node, recv, meth)
        return None

    def _rows_read(self, node, recv, meth: str):
        """A call that reads rows from a query or a result: `.all()` gives objects, `.first()` one
        object (recorded as consumed); any other method None."""
        kind = "objs" if meth in RESULT_MANY else "obj" if meth in RESULT_ONE else None
        if kind is None:
            return None
        self.flow.consumes.append(Consume(node, recv))
        return replace(recv, kind=kind)

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
        # awaited: an async session whatever it was taken for
        awaited = isinstance(self.mod.parents.get(id(node)), ast.Await)
        if (self.flow.is_async and recv.is_async is False and meth in SESSION_IO and not (state and state.flask)
                and not awaited):
            self.flow.sync_uses.append(SyncUse(node, f"calls sync `{dotted(node.func)}()`",
                                               state.var if state else None))
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
                attrs = node.args[1] if len(node.args) > 1 else next(
                    (kw.value for kw in node.keywords if kw.arg == "attribute_names"), None)
                extra = {e.value for e in getattr(attrs, "elts", [])
                         if isinstance(e, ast.Constant) and isinstance(e.value, str)}
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
