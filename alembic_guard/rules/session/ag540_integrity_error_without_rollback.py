import ast

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
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


def _guarded_by_transaction(body) -> bool:
    """All of the try body runs inside `with x.begin_nested():` / `with x.begin():` (auto rollback)."""
    stmts = [s for s in body if not isinstance(s, (ast.Pass, ast.Expr)) or _calls([s], SESSION_OPS)]
    if not stmts:
        return False
    for s in stmts:
        if not isinstance(s, (ast.With, ast.AsyncWith)):
            return False
        if not any(isinstance(i.context_expr, ast.Call) and isinstance(i.context_expr.func, ast.Attribute)
                   and i.context_expr.func.attr in ("begin_nested", "begin") for i in s.items):
            return False
    return True


@app_rule("AG540", "integrity-error-without-rollback", severity=Severity.ERROR)
def integrity_error_without_rollback(module, app):
    """Database error caught without `rollback()`.

    ## What it does
    Flags an `except IntegrityError:` (or `SQLAlchemyError`, `DBAPIError`, ...; or a bare /
    `except Exception:` around a `commit()`/`flush()`) whose `try` body works with a session and
    whose handler neither calls `.rollback()` nor re-raises. A `try` body that runs inside
    `with session.begin_nested():` (a savepoint, rolled back automatically) is fine.

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
    for node in module.of(ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ())):
        ops = _calls(node.body, SESSION_OPS)
        if not ops or _guarded_by_transaction(node.body):
            continue
        writes = [c for c in ops if c.func.attr in WRITES]
        for handler in node.handlers:
            caught = _caught(handler, imports)
            if caught is None or caught == "broad" and not writes:
                continue
            if _calls(handler.body, {"rollback"}) or any(isinstance(n, ast.Raise) for s in handler.body for n in ast.walk(s)):
                continue
            if _calls(node.finalbody, {"rollback", "close"}):
                continue
            target = writes[0] if writes else ops[0]
            receiver = ast.unparse(target.func.value)
            awaited = any(isinstance(n, ast.Await) and n.value is target for n in ast.walk(node))
            what = "a bare `except`" if handler.type is None else f"`except {ast.unparse(handler.type)}`"
            yield integrity_error_without_rollback.finding(
                f"{what} swallows a failed `{receiver}.{target.func.attr}()` without `{receiver}.rollback()`",
                at=module.loc(handler),
                hint=f"call `{'await ' if awaited else ''}{receiver}.rollback()` first in the handler (or use `with {receiver}.begin_nested():` around the write)",
                anchor=anchor_of(module, handler, f"except {caught} {receiver}"),
            )
