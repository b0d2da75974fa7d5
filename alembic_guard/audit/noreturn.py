"""Statements after which control never continues: `raise`, `abort()`, `sys.exit()`, and project helpers
that always raise (the same question asked of their own bodies, to a small depth).

Used by the session rules to tell a handler that swallows an error from one that leaves the function
(Flask's `abort(400)`, click's `ctx.fail()`, a `raise_conflict()` helper of the project).
"""

from __future__ import annotations

import ast

from alembic_guard.audit.symbols import AppIndex
from alembic_guard.audit.syntax import dotted

# Calls that never return, by their last name part (`flask.abort`, `sys.exit`, `os._exit`, `pytest.fail`...)
NORETURN_NAMES = {"abort", "exit", "quit", "_exit", "fail", "abort_json", "die"}
NORETURN_DOTTED = {"sys.exit", "os._exit", "os.abort", "pytest.fail", "pytest.skip", "ctx.exit", "ctx.fail", "ctx.abort"}
_MAX_DEPTH = 3


def call_never_returns(call: ast.Call, app: AppIndex | None, depth: int = 0) -> bool:
    """`abort(400)`, `sys.exit(1)`, or a call of a project function whose every path raises."""
    name = dotted(call.func)
    last = name.rsplit(".", 1)[-1]
    if name in NORETURN_DOTTED or (isinstance(call.func, ast.Name) and last in NORETURN_NAMES):
        return True
    if isinstance(call.func, ast.Attribute) and last in ("abort", "exit", "fail") and name.split(".")[0] in (
            "flask", "sys", "os", "ctx", "click", "typer", "werkzeug", "pytest"):
        return True
    if app is None or depth >= _MAX_DEPTH or not last:
        return False
    funcs = app.functions.get(last, [])
    if not funcs or len(funcs) > 3:
        return False
    return all(block_never_returns(f.node.body, app, depth + 1) for f in funcs)


def stmt_never_returns(stmt: ast.stmt, app: AppIndex | None, depth: int = 0) -> bool:
    if isinstance(stmt, ast.Raise):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return call_never_returns(stmt.value, app, depth)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await) and isinstance(stmt.value.value, ast.Call):
        return call_never_returns(stmt.value.value, app, depth)
    if isinstance(stmt, ast.If):
        return bool(stmt.orelse) and block_never_returns(stmt.body, app, depth) and block_never_returns(stmt.orelse, app, depth)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return block_never_returns(stmt.body, app, depth)
    if isinstance(stmt, ast.Try):
        return (block_never_returns(stmt.body, app, depth) and all(block_never_returns(h.body, app, depth) for h in stmt.handlers)) \
            or block_never_returns(stmt.finalbody, app, depth)
    return False


def block_never_returns(stmts, app: AppIndex | None, depth: int = 0) -> bool:
    """Some statement of the block (at its own level) is one after which control never continues."""
    return any(stmt_never_returns(s, app, depth) for s in stmts)
