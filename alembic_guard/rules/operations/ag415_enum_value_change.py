from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, ident


@op_rule(
    "AG415",
    "enum-value-change",
    on={"add_enum_value", "rename_enum_value"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    phases=("upgrade", "downgrade"),
)
def enum_value_change(call: OpCall, ctx: OpContext):
    """Enum value added or renamed in a way that fails or breaks running code.

    ## What it does
    Flags `ALTER TYPE ... ADD VALUE` run inside the migration's transaction when the target server
    is older than PostgreSQL 12 (`--server-version`), or when the same transaction then uses the
    new value; and `ALTER TYPE ... RENAME VALUE`.

    ## Why is this bad?
    Before PostgreSQL 12, `ALTER TYPE ... ADD VALUE cannot run inside a transaction block`, and
    Alembic wraps every migration in one. From 12 on it runs, but the new value cannot be used
    until the transaction commits (`unsafe use of new value`). Renaming a value breaks the
    application version still running, which keeps writing the old label.

    ## Example
    ```python
    def upgrade():
        op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
        op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")
    ```

    ## Use instead
    ```python
    def upgrade():
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
    ```

    ## When to ignore
    Renames on enums no deployed code writes.

    ## References
    - PostgreSQL: ALTER TYPE, "Notes"
    - squawk: (no equivalent)
    """
    type_name = call.params.get("type_name")
    if call.name == "rename_enum_value":
        yield enum_value_change.finding(
            f"Enum `{ident(type_name)}` renames value `{ident(call.params.get('old_value'))}` to `{ident(call.params.get('new_value'))}`: running code still writes the old label",
            at=call.location,
            hint="add the new value, move the data and the code over, and stop using the old value before removing it",
            anchor=anchor(call, type_name, call.params.get("old_value")),
        )
        return
    if not call.in_transaction:
        return
    value = call.params.get("value")
    if ctx.version_below(12):
        yield enum_value_change.finding(
            f"`ALTER TYPE {ident(type_name)} ADD VALUE` runs inside the migration's transaction, which PostgreSQL before 12 refuses",
            at=call.location,
            hint="run it inside `with op.get_context().autocommit_block():`",
            anchor=anchor(call, type_name, value),
            severity=Severity.ERROR,
        )
        return
    if not isinstance(value, str):
        return
    needle = "'" + value.replace("'", "''") + "'"
    for c in ctx.phase_calls(call):
        if c.index <= call.index:
            continue
        if c.name == "commit" or not c.in_transaction:
            break
        if c.sql and needle in c.sql and c.name not in ("add_enum_value", "rename_enum_value"):
            yield enum_value_change.finding(
                f"New value `{value}` of enum `{ident(type_name)}` is used in the same transaction that adds it (line {c.line})",
                at=call.location,
                hint="add the value inside `with op.get_context().autocommit_block():` (or in an earlier migration)",
                anchor=anchor(call, type_name, value),
                severity=Severity.ERROR,
            )
            return
