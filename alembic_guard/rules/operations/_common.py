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


_PG_SUFFIX = {"create_foreign_key": "fkey", "create_unique_constraint": "key", "create_primary_key": "pkey",
              "create_index": "idx"}


def _names(value: object) -> list[str] | None:
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def object_label(call: OpCall) -> str:
    """The object a constraint/index call creates or drops, for a message: its name in backticks;
    unnamed, the name PostgreSQL generates (`orders_user_id_fkey`) or a description
    ("unnamed index on `orders`(status)") — never `?`."""
    name = call.name_arg
    if name:
        return f"`{name}`"
    table = call.table
    cols = _names(call.params.get("local_cols" if call.name == "create_foreign_key" else "columns"))
    suffix = _PG_SUFFIX.get(call.name)
    if isinstance(table, str) and suffix and (cols or call.name == "create_primary_key"):
        if call.name == "create_primary_key":
            generated = f"{table}_pkey"
        elif call.name == "create_foreign_key":
            generated = f"{table}_{cols[0]}_fkey"
        else:
            generated = f"{table}_{'_'.join(cols)}_{suffix}"
        return f"`{generated[:63]}` (unnamed; the name PostgreSQL generates)"
    where_ = f" on `{table}`" if isinstance(table, str) else ""
    shown = f"({', '.join(cols)})" if cols else ""
    return f"(unnamed{where_}{shown}; its name is computed at run time)"


def table_label(value: object) -> str:
    """A table for a message: `name`, or a description when it is computed at run time."""
    return f"`{value}`" if isinstance(value, str) and value else "(a table whose name is computed at run time)"


def validated_in_same_transaction(rule, call: OpCall, ctx):
    """AG404/AG409: a constraint added NOT VALID and VALIDATEd before the transaction commits takes the
    lock the NOT VALID was meant to avoid. Yields that finding (when it applies) for `rule`."""
    validate = ctx.validated_in_same_transaction(call)
    if validate is not None:
        yield rule.finding(
            f"Constraint {object_label(call)} on {table_label(call.table)} is added NOT VALID but validated in the same transaction (line {validate.line}): the ADD's lock is held during the validation{where(call)}",
            at=call.location,
            hint="run `VALIDATE CONSTRAINT` in a later migration (or after a COMMIT / in `autocommit_block()`)",
            anchor=anchor(call, call.name_arg, "validated-same-transaction"),
        )
