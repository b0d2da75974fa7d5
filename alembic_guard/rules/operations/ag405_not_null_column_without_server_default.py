from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, ident, where


@op_rule(
    "AG405",
    "not-null-column-without-server-default",
    on={"add_column"},
    severity=Severity.ERROR,
)
def not_null_column_without_server_default(call: OpCall, ctx: OpContext):
    """NOT NULL column added without a server default.

    ## What it does
    Flags `op.add_column` of a column with `nullable=False` (or `primary_key=True`) and no
    `server_default`, on an existing table. A Python-side `default=` does not count: it never
    reaches the database.

    Severity: error on SQLite (it refuses the statement even on an empty table); warning
    elsewhere, where the statement fails only if the table has rows, which is not visible.

    ## Why is this bad?
    On a table with rows the statement fails (`column "x" of relation "t" contains null values`;
    SQLite refuses it even on an empty table). Where it succeeds, the version of the application
    still running keeps inserting rows without the column, and every such INSERT now fails.

    ## Example
    ```python
    def upgrade():
        op.add_column("user", sa.Column("status", sa.String(20), nullable=False))
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column(
            "user", sa.Column("status", sa.String(20), nullable=False, server_default="active")
        )
    ```

    ## When to ignore
    Tables known to be empty in every environment; the rule already skips tables created in the
    same migration.

    ## References
    - squawk: adding-required-field
    """
    col = call.column
    if col is None or not col.resolved or not col.is_not_null:
        return
    if col.server_default is not None or col.identity or col.computed_stored:
        return
    if ctx.created_earlier(call.table):
        return
    certain = ctx.dialect == "sqlite"  # SQLite refuses it even on an empty table
    yield not_null_column_without_server_default.finding(
        f"NOT NULL column `{ident(call.table)}.{ident(col.name)}` is added without a server default{where(call)}"
        + ("" if certain else f": the upgrade fails if `{ident(call.table)}` has rows (their number is not visible here)"),
        severity=None if certain else Severity.WARNING,
        at=call.location,
        hint="give it a `server_default`, or add it nullable, backfill, then set NOT NULL in a later migration",
        anchor=anchor(call, call.table, col.name),
    )
