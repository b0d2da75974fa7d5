from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, ident, where


@op_rule(
    "AG407",
    "set-not-null-on-existing-column",
    on={"alter_column"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
)
def set_not_null_on_existing_column(call: OpCall, ctx: OpContext):
    """SET NOT NULL on a column of an existing table.

    ## What it does
    Flags `op.alter_column(..., nullable=False)` (and `ALTER COLUMN ... SET NOT NULL` in raw SQL)
    on an existing table, unless a constraint of that table was validated earlier in the same
    migration (the `CHECK (col IS NOT NULL) NOT VALID` + `VALIDATE` pattern, PostgreSQL 12+).

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
    if not ctx.version_below(12):
        table = (call.table or "").lower()
        for c in ctx.phase_calls(call):
            if c.index >= call.index:
                break
            if c.name == "validate_constraint" and (c.table or "").lower() == table:
                return
    yield set_not_null_on_existing_column.finding(
        f"Column `{ident(call.table)}.{ident(call.column_name)}` is set NOT NULL on an existing table{where(call)}: full scan under an exclusive lock",
        at=call.location,
        hint="add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it, then set NOT NULL (PostgreSQL 12+ skips the scan)",
        anchor=anchor(call, call.table, call.column_name, "not-null"),
    )
