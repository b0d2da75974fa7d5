from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, object_label, table_label, validated_in_same_transaction, where


@op_rule(
    "AG409",
    "check-constraint-validated-on-add",
    on={"create_check_constraint"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    predicts=(Prediction(when="validated-same-transaction"),
              Prediction(mode="ACCESS EXCLUSIVE", scan=True, statement=r"\bCHECK\b")),
)
def check_constraint_validated_on_add(call: OpCall, ctx: OpContext):
    """CHECK constraint added and validated in one step.

    ## What it does
    Flags `op.create_check_constraint(...)` without `postgresql_not_valid=True` (and `ADD
    CONSTRAINT ... CHECK` without `NOT VALID` in raw SQL) on an existing table.

    Severity: warning (the table's size is not visible).

    ## Why is this bad?
    PostgreSQL checks every existing row while holding an ACCESS EXCLUSIVE lock: the table is
    unreadable and unwritable for the whole scan.

    ## Example
    ```python
    def upgrade():
        op.create_check_constraint("ck_order_amount", "order", "amount >= 0")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.create_check_constraint("ck_order_amount", "order", "amount >= 0", postgresql_not_valid=True)
        # later (SHARE UPDATE EXCLUSIVE only): ALTER TABLE "order" VALIDATE CONSTRAINT ck_order_amount
    ```

    ## When to ignore
    Small tables.

    ## References
    - PostgreSQL: ALTER TABLE ... NOT VALID / VALIDATE CONSTRAINT
    - squawk: constraint-missing-not-valid
    """
    if ctx.created_earlier(call.table):
        return
    if call.params.get("postgresql_not_valid") is True:
        yield from validated_in_same_transaction(check_constraint_validated_on_add, call, ctx)
        return
    yield check_constraint_validated_on_add.finding(
        f"Check constraint {object_label(call)} on {table_label(call.table)} is validated while it is added{where(call)}",
        at=call.location,
        hint="pass `postgresql_not_valid=True`, then VALIDATE CONSTRAINT in a later migration",
        anchor=anchor(call, call.name_arg),
    )
