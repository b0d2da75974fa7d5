"""Deep expressions without deep recursion.

Python's parser accepts expressions far deeper than Python's recursion limit lets a recursive
walker follow: `"a" + "b" + ... ` with 1,000-2,000 terms parses (a left-leaning tree of `BinOp`s
that deep), and so does a method chain `q.f().f().f()...` (no parentheses nest). The static readers
(the operation reader, constant folding of revision headers, the models reader) use the helpers
below for those shapes, and isolate what is left per statement, so one deep expression never costs
a file's other findings.
"""

from __future__ import annotations

import ast

# A cheap rendering of an expression for messages is cut to this many characters.
SHOWN = 60


def add_operands(node: ast.expr, any_operator: bool = False) -> list[ast.expr]:
    """The operands of a tree of `+` (of any binary operator with `any_operator`), left to right,
    found with an explicit stack.

    `"a" + b + "c"` -> [Constant "a", Name b, Constant "c"]; a node that is not a `+` -> [node].
    """
    out: list[ast.expr] = []
    stack: list[ast.expr] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and (any_operator or isinstance(current.op, ast.Add)):
            stack.append(current.right)
            stack.append(current.left)
        else:
            out.append(current)
    return out


def concat(values: list[object]) -> object | None:
    """`values[0] + values[1] + ...` when every value is a str, a tuple or a list of one type
    (what constant folding accepts), else None."""
    if not values:
        return None
    kind = type(values[0])
    if kind not in (str, tuple, list) or any(type(v) is not kind for v in values):
        return None
    if kind is str:
        return "".join(values)  # type: ignore[arg-type]
    joined = [item for v in values for item in v]  # type: ignore[attr-defined]
    return joined if kind is list else tuple(joined)


def shown(source: str | None, node: ast.AST | None, limit: int = SHOWN) -> str:
    """`node` rendered for a message (as `ast.unparse` writes it), cut to `limit` characters.

    `ast.unparse` recurses once per level and fails on deep expressions; then the source segment
    is read from the node's positions instead, without walking it.
    """
    if node is None:
        return "nothing"
    try:
        text = ast.unparse(node)
    except RecursionError:
        text = None
        if source is not None:
            try:
                text = ast.get_source_segment(source, node)
            except (TypeError, ValueError, IndexError):
                text = None
        text = " ".join((text or "...").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def too_deep_message(exc: BaseException) -> str:
    """What to say when Python's own parser gives up on a file (RecursionError / MemoryError)."""
    return (
        f"Python's own parser gives up on it ({type(exc).__name__}: {exc}): an expression is "
        "nested or chained too deeply, so Python — and Alembic — cannot load this file either"
    )
