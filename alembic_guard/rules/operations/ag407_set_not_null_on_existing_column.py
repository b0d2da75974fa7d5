import re

from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, ident, where


def _checks_column(condition: object, column: str) -> bool:
    """`col IS NOT NULL` (quoted or not) in a CHECK condition."""
    if not isinstance(condition, str):
        return False
    rx = rf'(?i)(?:^|[^\w"])"?{re.escape(column)}"?\s+IS\s+NOT\s+NULL'
    return re.search(rx, condition) is not None


def _validated_not_null_check(call: OpCall, ctx: OpContext) -> bool:
    """A `CHECK (col IS NOT NULL)` on this very column was validated before the SET NOT NULL
    (PostgreSQL 12+ then skips the scan). The CHECK's condition is read when the same revision adds
    it; a constraint added by an earlier revision counts when its name contains the column's."""
    table = (call.table or "").lower()
    column = call.column_name
    if not isinstance(column, str):
        return False
    calls = [c for c in ctx.phase_calls(call) if c.index < call.index]
    for c in calls:
        if c.name != "validate_constraint" or (c.table or "").lower() != table or not isinstance(c.name_arg, str):
            continue
        added = [a for a in calls if a.name == "create_check_constraint" and a.name_arg == c.name_arg]
        if added:
            if any(_checks_column(a.params.get("condition"), column) for a in added):
                return True
        elif column.lower() in c.name_arg.lower():
            return True
    return False


@op_rule(
    "AG407",
    "set-not-null-on-existing-column",
    on={"alter_column"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    predicts=Prediction(mode="ACCESS EXCLUSIVE", scan=True, statement=r"\bSET\s+NOT\s+NULL\b"),
)
def set_not_null_on_existing_column(call: OpCall, ctx: OpContext):
    """SET NOT NULL on a column of an existing table.

    ## What it does
    Flags `op.alter_column(..., nullable=False)` (and `ALTER COLUMN ... SET NOT NULL` in raw SQL)
    on an existing table, unless a constraint of that table was validated earlier in the same
    migration (the `CHECK (col IS NOT NULL) NOT VALID` + `VALIDATE` pattern, PostgreSQL 12+).

    Severity: warning (the table's size is not visible).

    ## Why is this bad?
    PostgreSQL scans the whole table to prove there are no NULLs while holding an ACCESS EXCLUSIVE
    lock: no reads or writes until the scan ends. If a NULL is found the migration fails.

    ## Example
    ```python
    def upgrade():
        op.alter_column("user", "email", existing_type=sa.String(255), nullable=False)
    ```

    ## Use instead
    ```python
    def upgrade():
        op.execute('ALTER TABLE "user" ADD CONSTRAINT user_email_not_null CHECK (email IS NOT NULL) NOT VALID')
        op.execute('ALTER TABLE "user" VALIDATE CONSTRAINT user_email_not_null')
        op.alter_column("user", "email", existing_type=sa.String(255), nullable=False)
        op.drop_constraint("user_email_not_null", "user", type_="check")
    ```

    ## When to ignore
    Small tables.

    ## References
    - PostgreSQL 12 release notes: SET NOT NULL uses a validated CHECK constraint to skip the scan
    - squawk: adding-not-nullable-field
    """
    if call.params.get("nullable") is not False or ctx.created_earlier(call.table):
        return
    if call.params.get("existing_nullable") is False:
        return  # already NOT NULL: Alembic emits nothing for it
    if not ctx.version_below(12) and _validated_not_null_check(call, ctx):
        return
    yield set_not_null_on_existing_column.finding(
        f"Column `{ident(call.table)}.{ident(call.column_name)}` is set NOT NULL on an existing table{where(call)}: full scan under an exclusive lock",
        at=call.location,
        hint="add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it, then set NOT NULL (PostgreSQL 12+ skips the scan)",
        anchor=anchor(call, call.table, call.column_name, "not-null"),
    )
