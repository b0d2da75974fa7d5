import ast

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.audit.noreturn import block_never_returns
from alembic_guard.audit.vocabulary import SESSION_NAMES
from alembic_guard.rules.session._common import anchor_of

DB_ERRORS = {"IntegrityError", "SQLAlchemyError", "DBAPIError", "OperationalError", "DataError", "DatabaseError",
             "StatementError"}
WRITES = {"commit", "flush"}
SESSION_OPS = {"commit", "flush", "add", "add_all", "execute", "merge", "delete", "scalar", "scalars"}


def _caught(handler: ast.ExceptHandler, imports) -> str | None:
    """The DB exception the handler catches ('IntegrityError'...), 'broad' for bare/Exception."""
    if handler.type is None:
        return "broad"
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    found = None
    for t in types:
        key = imports.key(t)
        name = t.id if isinstance(t, ast.Name) else getattr(t, "attr", None)
        if key in DB_ERRORS or (key is None and name in DB_ERRORS and imports.uses_sqlalchemy):
            return key or name
        if name in ("Exception", "BaseException"):
            found = "broad"
    return found


def _imports_app_orm(module, app) -> bool:
    """The module imports one of the application's models, session factories or sessions."""
    known = set(app.models) | set(app.factories) | {"session", "db", "get_db", "get_session", "SessionLocal"}
    return any(local in known or q.rsplit(".", 1)[-1] in known for local, q in module.imports.names.items())


def _calls(nodes, names) -> list[ast.Call]:
    out = []
    for n in nodes:
        for sub in ast.walk(n):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in names:
                out.append(sub)
    return out


def _with_names(stmt) -> tuple[set[str], bool]:
    """Names a `with`/`async with` binds (`as s`) and whether it opens a transaction (`begin()`)."""
    names, txn = set(), False
    for item in stmt.items:
        if isinstance(item.optional_vars, ast.Name):
            names.add(item.optional_vars.id)
        e = item.context_expr
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr in ("begin_nested", "begin"):
            txn = True
            if isinstance(e.func.value, ast.Name):
                names.add(e.func.value.id)  # `with session.begin():` rolls `session` back on error
    return names, txn


def _exposed_ops(stmts, guarded: frozenset = frozenset()) -> list[ast.Call]:
    """Session calls of a try body that no context manager inside that body cleans up.

    A session bound by `with Session() as s:` inside the `try` is closed (and its transaction rolled
    back) before any handler runs; so is a `with s.begin():` / `begin_nested()` block. Calls on them
    cannot leave a dead transaction behind for the handler to roll back.
    """
    out = []
    for s in stmts:
        if isinstance(s, (ast.With, ast.AsyncWith)):
            names, txn = _with_names(s)
            if txn and not names:  # `with begin():` of something unnamed: everything inside rolls back
                continue
            for item in s.items:
                out.extend(c for c in _calls([item.context_expr], SESSION_OPS) if _root(c) not in guarded)
            out.extend(_exposed_ops(s.body, guarded | names))
            continue
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        children = [c for c in ast.iter_child_nodes(s) if isinstance(c, ast.stmt)]
        exprs = [c for c in ast.iter_child_nodes(s) if not isinstance(c, (ast.stmt, ast.excepthandler))]
        out.extend(c for c in _calls(exprs, SESSION_OPS) if _root(c) not in guarded)
        out.extend(_exposed_ops(children, guarded))
        for h in getattr(s, "handlers", []):
            out.extend(_exposed_ops(h.body, guarded))
    return out


def _root(call: ast.Call) -> str | None:
    node = call.func.value
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) and node is call.func.value else None


SESSION_WORDS = ("session", "sess")
CONN_WORDS = ("conn", "connection")


def _receiver_kind(module, call: ast.Call, bound: dict[str, str]) -> tuple[str, bool]:
    """('session' | 'conn' | 'engine' | 'other', certain) for the object a call is made on."""
    recv = call.func.value
    if module.imports.is_flask_session(recv):
        return "session", True
    text = ast.unparse(recv)
    last = text.rsplit(".", 1)[-1].lower()
    if isinstance(recv, ast.Name) and recv.id in bound:
        return bound[recv.id], True
    if last.endswith("engine"):
        return "engine", False
    if last in SESSION_NAMES or any(w in last for w in SESSION_WORDS):
        return "session", False
    if last in CONN_WORDS or last.endswith("_conn") or last.endswith("connection"):
        return "conn", False
    return "other", False


def receiver_certain(module, call, bound) -> bool:
    return _receiver_kind(module, call, bound)[1]


def _bound_sessions(module, app, scope) -> dict[str, str]:
    """Local names this function binds to sessions for certain: `s = SessionLocal()`, `s: Session`."""
    out: dict[str, str] = {}
    if scope is None:
        return out
    factories = set(module.factories) | set(app.factories)
    args = scope.args
    for p in args.posonlyargs + args.args + args.kwonlyargs:
        ann = p.annotation
        inner = ann.slice if isinstance(ann, ast.Subscript) else ann
        if isinstance(inner, ast.Tuple) and inner.elts:
            inner = inner.elts[0]
        key = module.imports.key(inner) if inner is not None else None
        if key in ("Session", "AsyncSession"):
            out[p.arg] = "session"
    for n in module.own(scope):
        value, targets = None, []
        if isinstance(n, ast.Assign):
            value, targets = n.value, n.targets
        elif isinstance(n, (ast.With, ast.AsyncWith)):
            for item in n.items:
                if isinstance(item.optional_vars, ast.Name):
                    _bind(out, module, factories, item.context_expr, [item.optional_vars])
            continue
        if value is not None:
            _bind(out, module, factories, value, targets)
    return out


def _bind(out, module, factories, value, targets) -> None:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return
    key = module.imports.key(value.func)
    name = value.func.id if isinstance(value.func, ast.Name) else None
    kind = None
    if key in ("Session", "AsyncSession") or (name is not None and name in factories):
        kind = "session"
    elif key in ("create_engine", "create_async_engine"):
        kind = "engine"
    if kind:
        for t in targets:
            if isinstance(t, ast.Name):
                out[t.id] = kind


def _carries_on(module, try_node) -> bool:
    """Code of the same function runs after the `try` (a loop around it, or statements after it):
    the swallowed failure meets the session again. At the end of the function only the caller could."""
    child, parent = try_node, module.parents.get(id(try_node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)):
            return True
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and child in block and block.index(child) < len(block) - 1:
                return True
        child, parent = parent, module.parents.get(id(parent))
    if parent is not None:
        block = parent.body
        return child in block and block.index(child) < len(block) - 1
    return False


def _enclosing_def(module, node):
    parent = module.parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parent = module.parents.get(id(parent))
    return parent


@app_rule("AG540", "integrity-error-without-rollback", severity=Severity.ERROR)
def integrity_error_without_rollback(module, app):
    """Database error caught without `rollback()`.

    ## What it does
    Flags an `except IntegrityError:` (or `SQLAlchemyError`, `DBAPIError`, ...; or a bare /
    `except Exception:` around a `commit()`/`flush()`) whose `try` body works with a session and
    whose handler neither calls `.rollback()` nor re-raises. A `try` body that runs inside
    `with session.begin_nested():` (a savepoint, rolled back automatically) is fine.

    Severity: error when the receiver is a session for certain (Flask-SQLAlchemy's `db.session`,
    a session factory or `Session(...)` call, a `Session`/`AsyncSession` annotation) and the
    handler carries on in the same function; warning when the receiver's type is only guessed
    from its name or the handler returns (whether the caller uses the session again is not
    visible). Both are named in the message.

    ## Why is this bad?
    A failed flush leaves the session's transaction dead. Until `rollback()` is called, every
    later use of that session — often the next request, with a scoped or shared session — fails
    with `PendingRollbackError: This Session's transaction has been rolled back due to a
    previous exception during flush. To begin a new transaction with this Session, first issue
    Session.rollback().`

    ## Example
    ```python
    from sqlalchemy.exc import IntegrityError

    def register(session, user):
        try:
            session.add(user)
            session.commit()
        except IntegrityError:
            return "email already taken"
        return "ok"
    ```

    ## Use instead
    ```python
    from sqlalchemy.exc import IntegrityError

    def register(session, user):
        try:
            session.add(user)
            session.commit()
        except IntegrityError:
            session.rollback()
            return "email already taken"
        return "ok"
    ```
    """
    imports = module.imports
    if not (imports.uses_sqlalchemy or _imports_app_orm(module, app)):
        return
    bound_memo: dict[int, dict[str, str]] = {}
    for node in module.of(ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ())):
        scope = _enclosing_def(module, node)
        if id(scope) not in bound_memo:
            bound_memo[id(scope)] = _bound_sessions(module, app, scope)
        bound = bound_memo[id(scope)]
        ops = []
        for c in _exposed_ops(node.body):
            kind, certain = _receiver_kind(module, c, bound)
            if kind in ("session", "conn"):
                ops.append((c, kind, certain))
        if not ops:
            continue
        writes = [o for o in ops if o[0].func.attr in WRITES]
        for handler in node.handlers:
            caught = _caught(handler, imports)
            if caught is None or caught == "broad" and not writes:
                continue
            if _calls(handler.body, {"rollback", "close", "remove", "invalidate"}) or any(isinstance(n, ast.Raise) for s in handler.body for n in ast.walk(s)):
                continue
            if block_never_returns(handler.body, app):
                continue  # abort(400), sys.exit(1), a helper that always raises: nothing runs on with this session
            if _calls(node.finalbody, {"rollback", "close", "remove"}):
                continue
            target, kind, certain = writes[0] if writes else ops[0]
            returns = any(isinstance(s, ast.Return) for s in handler.body) or not _carries_on(module, node)
            certain = certain and not returns  # after a return, only the caller knows whether the session is used again
            certain = certain and bool(writes)  # a failed read kills the transaction only on PostgreSQL (not visible)
            receiver = ast.unparse(target.func.value)
            awaited = any(isinstance(n, ast.Await) and n.value is target for n in ast.walk(node))
            what = "a bare `except`" if handler.type is None else f"`except {ast.unparse(handler.type)}`"
            message = f"{what} swallows a failed `{receiver}.{target.func.attr}()` without `{receiver}.rollback()`"
            if not certain and returns and receiver_certain(module, target, bound):
                message += " (the function ends there: whether the caller uses the session again is not visible here)"
            elif not certain and not writes and receiver_certain(module, target, bound):
                message += " (a failed read leaves the transaction unusable on PostgreSQL; the database is not visible here)"
            elif not certain:
                message += f" (assuming `{receiver}` is a SQLAlchemy {'session' if kind == 'session' else 'connection'}: its type is not visible here)"
            yield integrity_error_without_rollback.finding(
                message,
                at=module.loc(handler),
                hint=f"call `{'await ' if awaited else ''}{receiver}.rollback()` first in the handler (or use `with {receiver}.begin_nested():` around the write)",
                anchor=anchor_of(module, handler, f"except {caught} {receiver}"),
                severity=None if certain else Severity.WARNING,
            )
