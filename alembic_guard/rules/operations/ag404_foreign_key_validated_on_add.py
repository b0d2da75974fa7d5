from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, ident, object_label, table_label, validated_in_same_transaction, where


@op_rule(
    "AG404",
    "foreign-key-validated-on-add",
    on={"create_foreign_key", "add_column"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    predicts=(Prediction(when="validated-same-transaction"),
              Prediction(mode="SHARE ROW EXCLUSIVE", scan=True, statement=r"\bFOREIGN\s+KEY\b|\bREFERENCES\b")),
)
def foreign_key_validated_on_add(call: OpCall, ctx: OpContext):
    """Foreign key added and validated in one step.

    ## What it does
    Flags `op.create_foreign_key(...)` without `postgresql_not_valid=True` (and `ADD CONSTRAINT
    ... FOREIGN KEY` without `NOT VALID` in raw SQL), and `op.add_column` of a column with a
    `ForeignKey`, on an existing table.

    Severity: warning (the table's size, which decides how long the validation holds the lock,
    is not visible).

    ## Why is this bad?
    Adding a validated foreign key takes a SHARE ROW EXCLUSIVE lock on both tables and scans every
    row of the referencing table to check it: writes to both tables wait for the whole scan.

    ## Example
    ```python
    def upgrade():
        op.create_foreign_key("fk_order_user", "order", "user", ["user_id"], ["id"])
    ```

    ## Use instead
    ```python
    def upgrade():
        op.create_foreign_key(
            "fk_order_user", "order", "user", ["user_id"], ["id"], postgresql_not_valid=True
        )
        # in a later migration (takes only SHARE UPDATE EXCLUSIVE, writes continue):
        # op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_order_user")
    ```

    ## When to ignore
    The referencing table is known to be tiny.

    ## References
    - PostgreSQL: ALTER TABLE ... ADD CONSTRAINT ... NOT VALID
    - squawk: adding-foreign-key-constraint
    """
    if call.name == "add_column":
        col = call.column
        if col is None or not col.foreign_key or col.foreign_key_not_valid or ctx.created_earlier(call.table):
            return
        yield foreign_key_validated_on_add.finding(
            f"Column `{ident(call.table)}.{ident(col.name)}` is added with a validated foreign key{where(call)}",
            at=call.location,
            hint="add the column without ForeignKey, then `op.create_foreign_key(..., postgresql_not_valid=True)` and VALIDATE it later",
            anchor=anchor(call, call.table, col.name, "fk"),
        )
        return
    if ctx.created_earlier(call.table):
        return
    if call.params.get("postgresql_not_valid") is True:
        yield from validated_in_same_transaction(foreign_key_validated_on_add, call, ctx)
        return
    yield foreign_key_validated_on_add.finding(
        f"Foreign key {object_label(call)} on {table_label(call.table)} is validated while it is added{where(call)}",
        at=call.location,
        hint="pass `postgresql_not_valid=True`, then run `ALTER TABLE ... VALIDATE CONSTRAINT` in a later migration",
        anchor=anchor(call, call.name_arg),
    )
