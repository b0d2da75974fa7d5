"""Which statements of a module run when it executes, read from its AST.

This module owns `runtime_statements`: the flattening of a block into the statements Python runs
when it executes (through if/try/with/loops and, on request, class bodies), leaving out
`if TYPE_CHECKING:` and `if __name__ == "__main__":` branches. Every static reader of the models
analysis (module index, import edges, evaluator, discovery, env.py) walks modules through it. It
is pure: it must not read files, resolve modules or evaluate anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Constant) and test.value is False:
        return True
    return False


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def runtime_statements(body: Iterable[ast.stmt], into_classes: bool = True) -> Iterable[ast.stmt]:
    """Statements executed when a block runs, flattening if/try/with/loops (and class bodies when
    `into_classes`); skips TYPE_CHECKING and `__main__` branches. Function definitions are
    yielded, not entered."""
    rec = lambda b: runtime_statements(b, into_classes)  # noqa: E731
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            if _is_type_checking(stmt.test) or _is_main_guard(stmt.test):
                yield from rec(stmt.orelse)
                continue
            yield from rec(stmt.body)
            yield from rec(stmt.orelse)
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            yield from rec(stmt.body)
            for handler in stmt.handlers:
                yield from rec(handler.body)
            yield from rec(stmt.orelse)
            yield from rec(stmt.finalbody)
        elif isinstance(stmt, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            yield from rec(stmt.body)
            yield from rec(stmt.orelse if hasattr(stmt, "orelse") else [])
        elif isinstance(stmt, ast.ClassDef) and into_classes:
            yield from rec(stmt.body)

