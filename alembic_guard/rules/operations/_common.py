"""Small helpers shared by the operation rules (not a rule module)."""

from __future__ import annotations

from alembic_guard.ops import OpCall


def ident(value: object) -> str:
    """An identifier for a message: the name, or `?` when it could not be resolved statically."""
    return value if isinstance(value, str) and value else "?"


def where(call: OpCall) -> str:
    """' (in SQL)' for statements read out of op.execute/bind.execute, else ''."""
    return " (in raw SQL)" if call.origin != "rendered" and (call.origin in ("sql", "bind") or call.sql) else ""


def anchor(call: OpCall, *parts: object) -> str:
    return " ".join([call.name, *(ident(p) for p in parts)])
