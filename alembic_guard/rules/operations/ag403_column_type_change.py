from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext, TypeSpec
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, where


def binary_coercible(old: TypeSpec | None, new: TypeSpec | None) -> bool:
    """Type changes PostgreSQL makes without rewriting the table or rebuilding its indexes."""
    if not isinstance(old, TypeSpec) or not isinstance(new, TypeSpec) or old.name is None or new.name is None:
        return False
    if old.name == "varchar" and new.name in ("varchar", "text"):
        if new.name == "text" or new.length is None:
            return True
        return old.length is not None and new.length >= old.length
    if old.name == "text" and new.name == "varchar" and new.length is None:
        return True
    if old.name == new.name == "numeric":
        if new.precision is None:
            return True
        return old.precision is not None and new.precision >= old.precision and (old.scale or 0) == (new.scale or 0)
    return False


def _column_label(call: OpCall) -> str:
    table, column = call.table, call.column_name
    if isinstance(table, str) and isinstance(column, str):
        return f"Column `{table}.{column}`"
    if isinstance(table, str):
        return f"A column of `{table}` (its name is computed at run time)"
    return "A column whose table and name are computed at run time"


def _same(old: TypeSpec | None, new: TypeSpec | None) -> bool:
    """The same type spelled again (autogenerate output with an unchanged type)."""
    return (
        isinstance(old, TypeSpec) and isinstance(new, TypeSpec) and old.name is not None
        and (old.name, old.length, old.precision, old.scale) == (new.name, new.length, new.precision, new.scale)
        and old.name != "enum"
    )


@op_rule(
    "AG403",
    "column-type-change",
    on={"alter_column"},
    severity=Severity.WARNING,
    dialects={"postgresql", "mysql"},
    predicts=Prediction(mode="ACCESS EXCLUSIVE", rewrite=True, statement=r"\bTYPE\b"),
)
def column_type_change(call: OpCall, ctx: OpContext):
    """Column type changed on an existing table.

    ## What it does
    Flags `op.alter_column(..., type_=...)` (and `ALTER COLUMN ... TYPE` in raw SQL) on an existing
    table, unless the previous type shows a change PostgreSQL makes in place (varchar(n) to a longer
    varchar or to text, numeric to a wider numeric). The previous type is `existing_type`, else the
    type the revision's `downgrade()` changes the column back to.

    Severity: warning (the table's size, which decides how long the lock lasts, is not visible).

    ## Why is this bad?
    PostgreSQL rewrites the whole table and rebuilds every index on it while holding an ACCESS
    EXCLUSIVE lock: nothing can read or write the table until it is done. MySQL copies the table
    (ALGORITHM=COPY) and blocks writes for the duration. The running application may also still
    write values the new type rejects.

    ## Example
    ```python
    def upgrade():
        op.alter_column("account", "balance", type_=sa.BigInteger(), existing_type=sa.Integer())
    ```

    ## Use instead
    ```python
    def upgrade():
        # expand: a new column, filled in batches outside the migration, then switch reads over
        op.add_column("account", sa.Column("balance_big", sa.BigInteger(), nullable=True))
    ```

    ## When to ignore
    Small tables, or changes PostgreSQL documents as binary coercible: pass `existing_type` (or
    write the downgrade that restores the type) so the rule can see them.

    ## References
    - PostgreSQL: ALTER TABLE, "Notes" (table rewrites)
    - squawk: changing-column-type
    """
    new = call.params.get("type_")
    if new is None or not call.has("type_") or ctx.created_earlier(call.table):
        return
    old = ctx.type_before(call)  # existing_type, else the type the downgrade restores
    if binary_coercible(old, new) or _same(old, new):
        return
    shown_old = f" from `{old}`" if isinstance(old, TypeSpec) else ""
    shown_new = f"`{new}`" if isinstance(new, TypeSpec) else "a new type"
    yield column_type_change.finding(
        f"{_column_label(call)} changes type{shown_old} to {shown_new}{where(call)}: the table is rewritten under an exclusive lock",
        at=call.location,
        hint="add a new column, backfill it in batches, switch the code over, then drop the old one",
        anchor=anchor(call, call.table, call.column_name, "type"),
    )
