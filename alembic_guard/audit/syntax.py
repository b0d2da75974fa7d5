"""Pure `ast` readers the audit shares: attribute chains (`dotted`), keyword arguments (`kwarg`,
`kw_false`), literal values (`literal`, never `eval`) and the one pass that indexes a module's tree
(`index_tree`: every node, its parent, the nodes each scope owns, the nodes of the classes the audit
looks up; `own_nodes` for a scope not indexed). It owns Python syntax only: it must not know a
library name (SQLAlchemy, FastAPI, Flask...), a symbol table or a rule, and must not import from the
rest of the audit, so that every other audit module can use it.
"""

from __future__ import annotations

import ast


def dotted(node: ast.AST) -> str:
    """`a.b.c` for an attribute chain on a name; a base that is not a name is left out (`f().x` -> `x`)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def literal(node: ast.AST | None):
    """A Python literal (str, number, bool, None, tuple/list/dict of them), else a sentinel."""
    if node is None:
        return MISSING
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return MISSING


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


_LEAVES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
INDEXED = (ast.Import, ast.ImportFrom, ast.Call, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef,
           ast.Assign, ast.AnnAssign, ast.Try, ast.Attribute) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def index_tree(tree: ast.AST) -> tuple[list, dict, dict, dict]:
    """One pass over a tree: all nodes (breadth first), parent of each, own nodes of each scope,
    nodes of the INDEXED classes."""
    by_type: dict[type, list] = {c: [] for c in INDEXED}
    nodes = [tree]
    scopes = [tree]
    parents: dict[int, ast.AST] = {}
    owned: dict[int, list] = {id(tree): []}
    add_node, add_scope = nodes.append, scopes.append
    defs, leaves, AST = _DEFS, _LEAVES, ast.AST
    i = 0
    while i < len(nodes):
        node = nodes[i]
        scope = scopes[i]
        i += 1
        if isinstance(node, defs):
            scope = node
            own = owned.setdefault(id(node), [])
        else:
            own = owned[id(scope)]
        for name in node._fields:
            value = getattr(node, name, None)
            if value is None or value.__class__ is str or value.__class__ is int:
                continue
            children = value if value.__class__ is list else (value,)
            for child in children:
                if not isinstance(child, AST) or isinstance(child, leaves):
                    continue
                parents[id(child)] = node
                add_node(child)
                add_scope(scope)
                if not isinstance(child, defs):
                    own.append(child)
                bucket = by_type.get(child.__class__)
                if bucket is not None:
                    bucket.append(child)
    if isinstance(tree, ast.Try):
        by_type[ast.Try].insert(0, tree)
    return nodes, parents, owned, by_type

def own_nodes(func: ast.AST):
    """Nodes of a function body, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(func))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield n
        stack.extend(ast.iter_child_nodes(n))


def kw_false(call: ast.Call, name: str) -> bool:
    """The keyword argument `name` is passed as the literal `False`."""
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant) and kw.value.value is False:
            return True
    return False
