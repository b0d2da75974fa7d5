from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, ident, object_label, table_label, where


@op_rule(
    "AG414",
    "drop-index-not-concurrently",
    on={"drop_index"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    predicts=Prediction(mode="ACCESS EXCLUSIVE", statement=r"\bDROP\s+INDEX\b"),
)
def drop_index_not_concurrently(call: OpCall, ctx: OpContext):
    """Index dropped without CONCURRENTLY.

    ## What it does
    Flags `op.drop_index(...)` without `postgresql_concurrently=True` (and `DROP INDEX` without
    CONCURRENTLY in raw SQL) in `upgrade()`, unless the index or its table was created earlier in
    the same migration.

    ## Why is this bad?
    DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: while it waits for running
    queries to finish, every new query on the table queues behind it.

    ## Example
    ```python
    def upgrade():
        op.drop_index("ix_user_email", table_name="user")
    ```

    ## Use instead
    ```python
    def upgrade():
        with op.get_context().autocommit_block():
            op.drop_index("ix_user_email", table_name="user", postgresql_concurrently=True)
    ```

    ## References
    - PostgreSQL: DROP INDEX CONCURRENTLY
    - squawk: require-concurrent-index-deletion
    """
    if call.concurrently or ctx.created_earlier(call.table):
        return
    name = (call.name_arg or "").lower()
    for c in ctx.phase_calls(call):
        if c.index >= call.index:
            break
        if c.name == "create_index" and name and (c.name_arg or "").lower() == name:
            return
    table = (call.table or "").lower()
    if table and any(c.name == "drop_table" and (c.table or "").lower() == table and c.index > call.index
                     for c in ctx.phase_calls(call)):
        return  # the table itself is dropped next: that lock is taken anyway
    yield drop_index_not_concurrently.finding(
        f"Index {object_label(call)} is dropped without CONCURRENTLY{where(call)}",
        at=call.location,
        hint="pass `postgresql_concurrently=True` inside `with op.get_context().autocommit_block():`",
        anchor=anchor(call, call.name_arg),
    )
