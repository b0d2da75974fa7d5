from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, table_label, where


@op_rule("AG411", "drop-table", on={"drop_table"}, severity=Severity.WARNING)
def drop_table(call: OpCall, ctx: OpContext):
    """Table dropped while the running code may still use it.

    ## What it does
    Flags `op.drop_table(...)` (and `DROP TABLE` in raw SQL) in `upgrade()`, unless the table was
    created earlier in the same migration.

    Severity: warning (whether running code still uses the table is not visible).

    ## Why is this bad?
    The version of the application still running during a deploy queries the table and fails with
    `relation "x" does not exist`; the data cannot be recovered. DROP TABLE also waits for an
    ACCESS EXCLUSIVE lock, queueing every query behind it while it waits.

    ## Example
    ```python
    def upgrade():
        op.drop_table("audit_log")
    ```

    ## Use instead
    ```python
    def upgrade():
        # after a release that no longer uses the table:
        op.drop_table("audit_log")  # alembic-guard: ignore[AG411] unused since 2.3
    ```

    ## When to ignore
    When no deployed code uses the table: suppress with a reason.

    ## References
    - squawk: ban-drop-table
    """
    if ctx.created_earlier(call.table):
        return
    yield drop_table.finding(
        f"Table {table_label(call.table)} is dropped{where(call)}: code still running may use it",
        at=call.location,
        hint="stop using the table in a release first, then drop it with `# alembic-guard: ignore[AG411] <reason>`",
        anchor=anchor(call, call.table),
    )
