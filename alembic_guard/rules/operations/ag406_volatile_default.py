from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, ident, where


@op_rule(
    "AG406",
    "volatile-default",
    on={"add_column"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    predicts=Prediction(mode="ACCESS EXCLUSIVE", rewrite=True, statement=r"\bADD\b"),
)
def volatile_default(call: OpCall, ctx: OpContext):
    """Column added with a default that rewrites the table.

    ## What it does
    Flags `op.add_column` on an existing table when the new column's value must be computed for
    every row: a volatile `server_default` (`gen_random_uuid()`, `random()`, `clock_timestamp()`,
    `nextval(...)`, or any function not known to be immutable or stable, such as your own),
    a serial or `Identity()` column, or a stored computed column. With a target
    server older than PostgreSQL 11 (`--server-version 10`), any server default counts.

    Severity: warning (the table's size is not visible).

    ## Why is this bad?
    PostgreSQL 11+ stores a constant default in the catalog and adds the column instantly. A
    volatile default (or any default before 11) makes it rewrite the whole table under an ACCESS
    EXCLUSIVE lock: no reads, no writes, for as long as the copy takes.

    ## Example
    ```python
    def upgrade():
        op.add_column(
            "user",
            sa.Column("token", sa.Uuid(), nullable=True, server_default=sa.text("gen_random_uuid()")),
        )
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user", sa.Column("token", sa.Uuid(), nullable=True))
        op.alter_column("user", "token", server_default=sa.text("gen_random_uuid()"))
        # existing rows: backfill in batches outside the migration
    ```

    ## When to ignore
    Small tables.

    ## References
    - PostgreSQL 11 release notes: "fast ALTER TABLE ADD COLUMN with a non-NULL default"
    - squawk: adding-field-with-default
    """
    col = call.column
    if col is None or ctx.created_earlier(call.table):
        return
    default = col.server_default
    reason = None
    if col.identity:
        reason = "an identity/serial value for every existing row"
    elif col.computed_stored:
        reason = "a stored generated value for every existing row"
    elif default is not None and default.volatile:
        reason = f"the volatile default `{default.text}` for every existing row"
    elif default is not None and ctx.version_below(11):
        reason = f"the default `{default.text}` (PostgreSQL before 11 rewrites for any default)"
    if reason is None:
        return
    yield volatile_default.finding(
        f"Adding `{ident(call.table)}.{ident(col.name)}` rewrites the table to store {reason}{where(call)}",
        at=call.location,
        hint="add the column without the default, set the default with `op.alter_column(server_default=...)`, backfill in batches",
        anchor=anchor(call, call.table, col.name, "default"),
    )
