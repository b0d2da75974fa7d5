"""Shared walk for the type-preference rules (AG417-AG419): every column a call defines or retypes."""

from __future__ import annotations

from collections.abc import Iterator

from alembic_guard.ops import ColumnSpec, OpCall, TypeSpec


def typed_columns(call: OpCall) -> Iterator[tuple[str | None, TypeSpec, ColumnSpec | None]]:
    """(column name, type, column spec or None) for create_table / add_column / alter_column."""
    if call.name == "create_table":
        for col in call.params.get("columns") or ():
            if isinstance(col, ColumnSpec) and isinstance(col.type, TypeSpec):
                yield col.name, col.type, col
    elif call.name == "add_column":
        col = call.column
        if col is not None and isinstance(col.type, TypeSpec):
            yield col.name, col.type, col
    elif call.name == "alter_column":
        t = call.params.get("type_")
        if isinstance(t, TypeSpec):
            yield call.column_name, t, None
