from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, ident, where


@op_rule("AG410", "drop-column", on={"drop_column"}, severity=Severity.WARNING)
def drop_column(call: OpCall, ctx: OpContext):
    """Column dropped while the running code may still use it.

    ## What it does
    Flags `op.drop_column(...)` (and `ALTER TABLE ... DROP COLUMN` in raw SQL) in `upgrade()`.
    Drops in `downgrade()` undo an upgrade and are not flagged.

    ## Why is this bad?
    During a rolling deploy the previous version of the application is still serving requests, and
    its ORM models select and insert the column by name: every such query fails with
    `column "x" does not exist` until the old version is gone. The data is also lost for good.
    The statement itself takes a short ACCESS EXCLUSIVE lock.

    ## Example
    ```python
    def upgrade():
        op.drop_column("user", "legacy_name")
    ```

    ## Use instead
    ```python
    def upgrade():
        # release 1: remove every use of the column from the code (and from the model,
        # e.g. with SQLAlchemy `deferred`/`exclude`); release 2: drop it, with a reason:
        op.drop_column("user", "legacy_name")  # alembic-guard: ignore[AG410] unused since 2.3
    ```

    ## When to ignore
    When no deployed code references the column any more: suppress with a reason that says so.

    ## References
    - squawk: ban-drop-column
    """
    if ctx.created_earlier(call.table):
        return
    yield drop_column.finding(
        f"Column `{ident(call.table)}.{ident(call.column_name)}` is dropped{where(call)}: code still running may use it",
        at=call.location,
        hint="stop using the column in a release first, then drop it with `# alembic-guard: ignore[AG410] <reason>`",
        anchor=anchor(call, call.table, call.column_name),
    )
