"""Helpers shared by the session-family rules (AG5xx): wording and small lookups."""

from __future__ import annotations

import ast

from alembic_guard.audit.flow import Flow, analyse_module
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
