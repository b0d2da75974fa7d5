from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, ident, where


@op_rule("AG413", "table-rename", on={"rename_table"}, severity=Severity.WARNING)
def table_rename(call: OpCall, ctx: OpContext):
    """Table renamed under the running code.

    ## What it does
    Flags `op.rename_table(...)` (and `ALTER TABLE ... RENAME TO` in raw SQL).

    ## Why is this bad?
    The version of the application still running queries the old name and fails with
    `relation "x" does not exist` until every old process is replaced.

    ## Example
    ```python
    def upgrade():
        op.rename_table("customer", "client")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.rename_table("customer", "client")
        # keep the old name working until the old code is gone (PostgreSQL: a simple view is updatable)
        op.execute("CREATE VIEW customer AS SELECT * FROM client")
    ```

    ## When to ignore
    Deploys that stop the old version before migrating.

    ## References
    - squawk: renaming-table
    """
    old = call.params.get("old_table_name")
    new = call.params.get("new_table_name")
    if ctx.created_earlier(old if isinstance(old, str) else None):
        return
    # the Use-instead pattern: a view with the old name keeps old code working
    if isinstance(old, str):
        for c in ctx.phase_calls(call):
            if c.index > call.index and c.name == "sql_other" and c.params.get("statement") == "ViewStmt" and c.sql and old.lower() in c.sql.lower().split("as", 1)[0]:
                return
    yield table_rename.finding(
        f"Table `{ident(old)}` is renamed to `{ident(new)}`{where(call)}: running code still uses the old name",
        at=call.location,
        hint="keep the old name working (an updatable view) until no deployed code uses it",
        anchor=anchor(call, old, new),
    )
