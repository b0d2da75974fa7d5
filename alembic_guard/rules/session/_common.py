"""Helpers shared by the session-family rules (AG5xx): wording and small lookups."""

from __future__ import annotations

import ast

from alembic_guard.audit.facts import Flow
from alembic_guard.audit.flow import analyse_module
from alembic_guard.audit.symbols import AppIndex, AppModule, EngineInfo


def flows(module: AppModule, app: AppIndex) -> list[Flow]:
    return analyse_module(module, app)


def engine_label(engine: EngineInfo) -> str:
    return f"`{engine.name}`" if engine.name else "this engine"


def engine_call_text(engine: EngineInfo) -> str:
    return "create_async_engine" if engine.is_async else "create_engine"


def anchor_of(module: AppModule, node: ast.AST, extra: str = "") -> str:
    """Stable text key without line numbers: the enclosing function and what was flagged."""
    return f"{_enclosing(module, node)} {extra}".strip()


def _enclosing(module: AppModule, node: ast.AST) -> str:
    line = getattr(node, "lineno", 0)
    best = "<module>"
    best_start = -1
    for f in module.functions.values():
        start, end = f.node.lineno, getattr(f.node, "end_lineno", f.node.lineno)
        if start <= line <= end and start > best_start:
            best, best_start = f.name, start
    return best


def enclosing_function(module: AppModule, node: ast.AST) -> str:
    return _enclosing(module, node)


def suggested_driver_url(engine: EngineInfo, driver: str) -> str:
    url = engine.url or ""
    if "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme.split('+')[0]}+{driver}://{rest}"
    return f"{engine.dialect}+{driver}://..."


def is_test_code(func) -> bool:
    """A pytest test or fixture: teardown after `yield` runs even when the test fails, and blocking
    calls in async tests hold up nobody."""
    if func is None:
        return False
    if func.name.startswith("test_"):
        return True
    for dec in func.node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in ("fixture", "yield_fixture"):
            return True
    return False


# Uses of a function-local engine that only take a connection (or release the pool) right away.
_IMMEDIATE_USES = frozenset({"connect", "begin", "dispose", "execute", "raw_connection"})


def engine_used_once_in_function(module: AppModule, engine: EngineInfo) -> bool:
    """Whether `engine` is created inside a function, bound to a local name (or used on the spot:
    `create_engine(url).connect()`), and only ever used there to take a connection at once
    (`.connect()`, `.begin()`, `.execute()`, `.dispose()`): it never lends a pooled connection that
    sat idle. Any other use (returned, stored on an object, passed on, declared global) keeps the
    engine alive beyond the call: False."""
    call = engine.call
    line = call.lineno
    func = None
    for f in module.functions.values():
        start, end = f.node.lineno, getattr(f.node, "end_lineno", f.node.lineno)
        if start <= line <= end and (func is None or start > func.lineno):
            func = f.node
    if func is None:
        return False
    name = None
    for node in ast.walk(func):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            if engine.name in node.names:
                return False
        if isinstance(node, ast.Assign) and node.value is call:
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
                return False
            name = node.targets[0].id
        elif isinstance(node, ast.Attribute) and node.value is call and node.attr in _IMMEDIATE_USES:
            return True
    if name is None:
        return False
    parents = {id(child): parent for parent in ast.walk(func) for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            attr = parents.get(id(node))
            use = parents.get(id(attr)) if attr is not None else None
            if not (isinstance(attr, ast.Attribute) and attr.attr in _IMMEDIATE_USES
                    and isinstance(use, ast.Call) and use.func is attr):
                return False
    return True
