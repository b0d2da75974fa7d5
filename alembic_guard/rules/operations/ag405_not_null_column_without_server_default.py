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

    Severity: error on SQLite when Alembic emits `ALTER TABLE ... ADD COLUMN` (a plain
    `op.add_column`, or a `batch_alter_table` block holding only `add_column`/`create_index`/
    `drop_index`): SQLite refuses it even on an empty table. Warning elsewhere, and on SQLite when
    the batch block also holds another operation (`drop_constraint`, `alter_column`...): Alembic
    then recreates the table and copies the rows, which fails only if the table has rows — not
    visible here.

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
    # SQLite refuses ALTER TABLE ADD COLUMN NOT NULL without a default even on an empty table;
    # a batch block that recreates the table (copy and swap) fails only if the table has rows
    certain = ctx.dialect == "sqlite" and not _batch_recreates(call, ctx)
    yield not_null_column_without_server_default.finding(
        f"NOT NULL column `{ident(call.table)}.{ident(col.name)}` is added without a server default{where(call)}"
        + ("" if certain else f": the upgrade fails if `{ident(call.table)}` has rows (their number is not visible here)"),
        severity=None if certain else Severity.WARNING,
        at=call.location,
        hint="give it a `server_default`, or add it nullable, backfill, then set NOT NULL in a later migration",
        anchor=anchor(call, call.table, col.name),
    )


# The operations Alembic's SQLite batch mode runs as plain ALTER statements (`recreate="auto"`,
# alembic.ddl.sqlite.SQLiteImpl.requires_recreate_in_batch): any other one recreates the table.
_ALTER_IN_PLACE = frozenset({"add_column", "create_index", "drop_index"})


def _batch_recreates(call: OpCall, ctx: OpContext) -> bool:
    """Whether `call` sits in a `batch_alter_table` block that also holds an operation SQLite
    cannot run as an ALTER (the block then copies the table). Blocks on the same table in the same
    function are taken together: when unsure, the finding stays a warning."""
    if call.origin != "batch" or not call.batch_table:
        return False
    return any(
        other.origin == "batch" and other.batch_table == call.batch_table and other.phase == call.phase
        and other.function == call.function and other.name not in _ALTER_IN_PLACE
        for other in ctx.ops.calls
    )
