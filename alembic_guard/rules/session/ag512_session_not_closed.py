import ast

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows, is_test_code


def _parents(root: ast.AST) -> dict[int, ast.AST]:
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def _in_finally(node: ast.AST, parents: dict[int, ast.AST], stop: ast.AST) -> bool:
    child = node
    cur = parents.get(id(node))
    while cur is not None and cur is not stop:
        if isinstance(cur, ast.Try) and any(child is s for s in cur.finalbody):
            return True
        child, cur = cur, parents.get(id(cur))
    return False


def _uses(var: str, scope: ast.AST, parents, creation: ast.AST, module):
    """Close calls (node, in finally), `with var`, escapes (return, attribute store, container), yields."""
    closes, withs, escapes, yields = [], False, False, []
    nodes = module.own(scope)
    for n in nodes:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.value.id == var:
            if n.func.attr in ("close", "dispose", "remove"):
                closes.append((n, _in_finally(n, parents, scope)))
        elif isinstance(n, (ast.With, ast.AsyncWith)):
            for item in n.items:
                e = item.context_expr
                if isinstance(e, ast.Name) and e.id == var:
                    withs = True
                if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "closing" and any(isinstance(a, ast.Name) and a.id == var for a in e.args):
                    withs = True
        elif isinstance(n, ast.Return) and n.value is not None and _hands_over(n.value, var):
            escapes = True
        elif isinstance(n, (ast.Yield, ast.YieldFrom)) and n.value is not None and any(isinstance(x, ast.Name) and x.id == var for x in ast.walk(n.value)):
            yields.append(n)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            value = n.value
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if isinstance(value, ast.Name) and value.id == var and any(not isinstance(t, ast.Name) for t in targets):
                escapes = True
            if isinstance(value, (ast.Tuple, ast.List, ast.Dict)) and any(isinstance(x, ast.Name) and x.id == var for x in ast.walk(value)):
                escapes = True
        elif isinstance(n, ast.Global) and var in n.names:
            escapes = True
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("append", "add", "push", "enter_context", "callback", "register", "setdefault") and any(isinstance(a, ast.Name) and a.id == var for a in n.args):
            escapes = True
        elif isinstance(n, ast.Call) and _constructor(n.func) and any(
                isinstance(a, ast.Name) and a.id == var for a in [*n.args, *(k.value for k in n.keywords)]) \
                and _outlives(n, parents, nodes):
            escapes = True  # `server = Server(db)` ... `return server`: the object keeps the session
    return closes, withs, escapes, yields


def _constructor(func: ast.AST) -> bool:
    """A class being instantiated, by the naming convention (`Repo(...)`, `server.Validator(...)`)."""
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return bool(name) and name[0].isupper() and not name.isupper() and name not in ("Session", "AsyncSession")


def _outlives(call: ast.Call, parents, nodes) -> bool:
    """The object built by `call` leaves the function: returned, stored on an attribute, or bound
    to a local name that is returned."""
    parent = parents.get(id(call))
    if isinstance(parent, ast.Return):
        return True
    if isinstance(parent, ast.Assign) and parent.value is call:
        names = {t.id for t in parent.targets if isinstance(t, ast.Name)}
        if any(not isinstance(t, ast.Name) for t in parent.targets):
            return True
        return any(isinstance(r, ast.Return) and r.value is not None and _hands_over(r.value, name)
                   for r in nodes for name in names)
    return False


def _hands_over(value: ast.AST, var: str) -> bool:
    """`return session`, `return session, x`, `return Repo(session)`: the caller owns it now."""
    if isinstance(value, ast.Name):
        return value.id == var
    if isinstance(value, (ast.Tuple, ast.List)):
        return any(_hands_over(e, var) for e in value.elts)
    if isinstance(value, ast.Dict):
        return any(_hands_over(e, var) for e in value.values if e is not None)
    if isinstance(value, ast.Call):
        return any(isinstance(a, ast.Name) and a.id == var for a in [*value.args, *(k.value for k in value.keywords)])
    return False


def _inside_def(node, parents, scope) -> bool:
    cur = parents.get(id(node))
    while cur is not None and cur is not scope:
        if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return True
        cur = parents.get(id(cur))
    return False


def _finally_hands_over(node, var: str, parents, scope) -> bool:
    """`node` sits in the body of a `try` whose `finally:` passes `var` to a call (a helper that
    closes it, `close_session(db)`) or calls a method on it."""
    child, cur = node, parents.get(id(node))
    while cur is not None and cur is not scope:
        if isinstance(cur, ast.Try) and any(child is b for b in cur.body) and cur.finalbody:
            for n in ast.walk(ast.Module(body=cur.finalbody, type_ignores=[])):
                if isinstance(n, ast.Call) and (
                    any(isinstance(a, ast.Name) and a.id == var for a in [*n.args, *(k.value for k in n.keywords)])
                    or isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.value.id == var
                ):
                    return True
        child, cur = cur, parents.get(id(cur))
    return False


def _borrows_connection(call: ast.Call, scope, module) -> bool:
    """`Session(bind=connection)` on a connection the caller owns (a parameter, `op.get_bind()`, a
    flush event's connection): the session holds no pooled connection of its own to leak."""
    params = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        a = scope.args
        params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    borrowed = {p for p in params if "conn" in p.lower() or "bind" in p.lower()}
    for n in module.own(scope):
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Attribute) \
                and n.value.func.attr in ("get_bind", "connection"):
            borrowed |= {t.id for t in n.targets if isinstance(t, ast.Name)}
    for value in [*call.args, *(k.value for k in call.keywords if k.arg in (None, "bind"))]:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("get_bind", "connection"):
            return True
        if isinstance(value, ast.Name) and value.id in borrowed:
            return True
    return False


def _calls_between(nodes, start: int, end: int) -> bool:
    for n in nodes:
        if isinstance(n, ast.Call) and start < n.lineno < end:
            return True
    return False


@app_rule("AG512", "session-not-closed", severity=Severity.WARNING)
def session_not_closed(module, app):
    """Session or connection that is not closed on every path.

    ## What it does
    Flags a `Session(...)`, `AsyncSession(...)`, a call of a session factory (`SessionLocal()`),
    or `engine.connect()` assigned to a local name that is never closed, or closed only on the
    happy path: `.close()` outside a `finally:` with work in between, or a FastAPI dependency
    that closes after `yield` without `try`/`finally`. A `with`/`async with` block, a
    `try`/`finally` close, returning the session to the caller or storing it elsewhere are fine.

    Severity: warning (the leak needs an exception on the path or a caller that never closes).

    ## Why is this bad?
    Each open session holds a pooled connection. When an exception skips `close()`, the
    connection is only returned when the garbage collector finds the session — under load the
    pool runs dry and every request waits, then fails:
    `TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out,
    timeout 30.00`.

    ## Example
    ```python
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    engine = create_engine("postgresql+psycopg2://app@db/shop")

    def count_users():
        session = Session(engine)
        total = session.scalar(select(1))
        session.close()
        return total
    ```

    ## Use instead
    ```python
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    engine = create_engine("postgresql+psycopg2://app@db/shop")

    def count_users():
        with Session(engine) as session:
            return session.scalar(select(1))
    ```
    """
    parents = module.parents
    for flow in flows(module, app):
        if not flow.creations:
            continue
        scope = flow.func.node if flow.func is not None else module.tree
        at_module = flow.func is None
        for c in flow.creations:
            if c.in_with:
                continue
            node = c.node
            parent = parents.get(id(node))
            if isinstance(parent, ast.Await):
                node, parent = parent, parents.get(id(parent))
            what = "connection" if c.kind == "conn" else "session"
            label = _label(c.node)
            if isinstance(parent, ast.Attribute) and isinstance(parents.get(id(parent)), ast.Call) and parent.attr not in ("begin", "close"):
                yield session_not_closed.finding(
                    f"`{label}` opens a {what} that is used once and never closed",
                    at=module.loc(c.node),
                    hint=f"use `with {label} as {what}:` and run the work inside the block",
                    anchor=anchor_of(module, c.node, f"{label} inline"),
                )
                continue
            if not (isinstance(parent, (ast.Assign, ast.AnnAssign)) and getattr(parent, "value", None) is node):
                continue
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) != 1 or not isinstance(targets[0], ast.Name):
                continue
            var = targets[0].id
            closes, withs, escapes, yields = _uses(var, scope, parents, node, module)
            if withs or escapes:
                continue
            end = getattr(parent, "end_lineno", parent.lineno)
            if yields:
                if any(fin for _, fin in closes) or closes and is_test_code(flow.func):
                    continue
                if all(_finally_hands_over(y, var, parents, scope) for y in yields):
                    continue  # `try: yield db` / `finally: close_db(db)`: a helper closes it on every path
                yield session_not_closed.finding(
                    f"Dependency `{flow.func.name if flow.func else '?'}` closes `{var}` after `yield` without `finally`: an exception in the request skips the close",
                    at=module.loc(c.node),
                    hint=f"wrap the yield: `try: yield {var}` / `finally: {'await ' if c.is_async else ''}{var}.close()` (or `{'async ' if c.is_async else ''}with {label} as {var}: yield {var}`)",
                    anchor=anchor_of(module, c.node, f"{var} yield"),
                )
                continue
            if not closes:
                if at_module or _borrows_connection(c.node, scope, module):
                    continue
                yield session_not_closed.finding(
                    f"{what.capitalize()} `{var}` is opened and never closed",
                    at=module.loc(c.node),
                    hint=f"use `{'async ' if c.is_async else ''}with {label} as {var}:` so it is closed even when an exception is raised",
                    anchor=anchor_of(module, c.node, f"{var} never closed"),
                )
                continue
            if any(fin for _, fin in closes):
                continue
            first_close = min(n.lineno for n, _ in closes)
            if _calls_between(module.own(scope), end, first_close):
                yield session_not_closed.finding(
                    f"{what.capitalize()} `{var}` is closed outside `finally`: an exception before line {first_close} leaves it open",
                    at=module.loc(c.node),
                    hint=f"use `with {label} as {var}:` (or `try:` ... `finally: {var}.close()`)",
                    anchor=anchor_of(module, c.node, f"{var} close skipped"),
                )


def _label(call: ast.Call) -> str:
    text = ast.unparse(call)
    return text if len(text) <= 40 else ast.unparse(call.func) + "(...)"
