from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, ident, where


@op_rule("AG412", "column-rename", on={"alter_column"}, severity=Severity.WARNING)
def column_rename(call: OpCall, ctx: OpContext):
    """Column renamed under the running code.

    ## What it does
    Flags `op.alter_column(..., new_column_name=...)` (and `RENAME COLUMN` in raw SQL) on an
    existing table, unless the same revision added that column earlier (no running code knows it).

    Severity: warning (whether running code still uses the old name is not visible).

    ## Why is this bad?
    The rename itself is instant, but the version of the application still running uses the old
    name: its queries fail with `column "x" does not exist` until every old process is replaced.

    ## Example
    ```python
    def upgrade():
        op.alter_column("user", "name", new_column_name="full_name")
    ```

    ## Use instead
    ```python
    def upgrade():
        # expand: add the new column, write both from the code, backfill; drop the old one later
        op.add_column("user", sa.Column("full_name", sa.Text(), nullable=True))
    ```

    ## When to ignore
    Deploys that stop the old version before migrating (no rolling deploy).

    ## References
    - squawk: renaming-column
    """
    new = call.params.get("new_column_name")
    if not call.has("new_column_name") or new is None or new == call.column_name or ctx.created_earlier(call.table):
        return
    if ctx.added_earlier(call.table, call.column_name, call):
        return  # added by this revision: no running code uses its name yet
    yield column_rename.finding(
        f"Column `{ident(call.table)}.{ident(call.column_name)}` is renamed to `{ident(new)}`{where(call)}: running code still uses the old name",
        at=call.location,
        hint="add the new column and migrate in steps (expand/contract) instead of renaming",
        anchor=anchor(call, call.table, call.column_name, "rename"),
    )
