from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, ident, object_label, table_label, where


@op_rule(
    "AG408",
    "unique-or-primary-key-on-existing-table",
    on={"create_unique_constraint", "create_primary_key", "add_column"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    predicts=Prediction(mode="ACCESS EXCLUSIVE", statement=r"\bUNIQUE\b|\bPRIMARY\s+KEY\b"),
)
def unique_or_primary_key_on_existing_table(call: OpCall, ctx: OpContext):
    """Unique constraint or primary key that builds its index under an exclusive lock.

    ## What it does
    Flags `op.create_unique_constraint`, `op.create_primary_key` and `op.add_column` of a
    `unique=True` / `primary_key=True` column on an existing table (and `ADD CONSTRAINT ... UNIQUE /
    PRIMARY KEY` without `USING INDEX` in raw SQL).

    Severity: warning (the table's size is not visible).

    ## Why is this bad?
    The constraint's unique index is built inside ALTER TABLE, under an ACCESS EXCLUSIVE lock:
    neither reads nor writes proceed until the whole index is built.

    ## Example
    ```python
    def upgrade():
        op.create_unique_constraint("uq_user_email", "user", ["email"])
    ```

    ## Use instead
    ```python
    def upgrade():
        with op.get_context().autocommit_block():
            op.create_index("uq_user_email", "user", ["email"], unique=True, postgresql_concurrently=True)
        op.execute('ALTER TABLE "user" ADD CONSTRAINT uq_user_email UNIQUE USING INDEX uq_user_email')
    ```

    ## When to ignore
    Small tables.

    ## References
    - PostgreSQL: ALTER TABLE ... ADD table_constraint_using_index
    - squawk: disallowed-unique-constraint, adding-serial-primary-key-field
    """
    if ctx.created_earlier(call.table):
        return
    if call.name == "add_column":
        col = call.column
        if col is None or not (col.unique or col.primary_key):
            return
        what = "primary key" if col.primary_key else "unique"
        yield unique_or_primary_key_on_existing_table.finding(
            f"Column `{ident(call.table)}.{ident(col.name)}` is added as {what}{where(call)}: its index is built under an exclusive lock",
            at=call.location,
            hint="add the column plain, build a unique index CONCURRENTLY, then add the constraint USING INDEX",
            anchor=anchor(call, call.table, col.name, what),
        )
        return
    if call.params.get("using_index"):
        return
    what = "Primary key" if call.name == "create_primary_key" else "Unique constraint"
    yield unique_or_primary_key_on_existing_table.finding(
        f"{what} {object_label(call)} on {table_label(call.table)} builds its index under an exclusive lock{where(call)}",
        at=call.location,
        hint="build a unique index with `postgresql_concurrently=True`, then `ADD CONSTRAINT ... USING INDEX`",
        anchor=anchor(call, call.name_arg or call.table),
    )
