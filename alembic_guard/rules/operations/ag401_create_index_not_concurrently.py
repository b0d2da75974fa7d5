from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Prediction, op_rule
from alembic_guard.rules.operations._common import anchor, ident, object_label, table_label, where


@op_rule(
    "AG401",
    "create-index-not-concurrently",
    on={"create_index", "reindex"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
    since="0.1.0",
    predicts=Prediction(mode="SHARE", statement=r"\b(CREATE\s+(UNIQUE\s+)?INDEX|REINDEX)\b"),
)
def create_index_not_concurrently(call: OpCall, ctx: OpContext):
    """Index built without CONCURRENTLY.

    ## What it does
    Flags `op.create_index(...)` (and `CREATE INDEX` in raw SQL) on an existing table without
    `postgresql_concurrently=True`, and a plain `REINDEX` (PostgreSQL 12 and later have
    `REINDEX ... CONCURRENTLY`; with `--server-version` below 12 it is not flagged).

    Severity: warning (the table's size and traffic, which decide the harm, are not visible).

    ## Why is this bad?
    A plain CREATE INDEX holds a SHARE lock on the table for the whole build: reads continue, but
    every INSERT, UPDATE and DELETE waits until the index is finished. On a large table that is
    minutes of failed or queued writes.

    ## Example
    ```python
    def upgrade():
        op.create_index("ix_user_email", "user", ["email"])
    ```

    ## Use instead
    ```python
    def upgrade():
        with op.get_context().autocommit_block():
            op.create_index("ix_user_email", "user", ["email"], postgresql_concurrently=True)
    ```

    ## When to ignore
    Tables created earlier in the same migration are empty; the rule already skips them. Small
    lookup tables that never grow can be indexed plainly (suppress with a reason).

    ## References
    - PostgreSQL: CREATE INDEX, "Building Indexes Concurrently"
    - squawk: require-concurrent-index-creation
    """
    if call.concurrently or ctx.created_earlier(call.table):
        return
    if call.name == "reindex":
        if ctx.version_below(12):
            return
        what = call.params.get("target", "index")
        name = call.params.get("index_name") or call.table
        shown = f"`{name}`" if isinstance(name, str) else "(a name computed at run time)"
        yield create_index_not_concurrently.finding(
            f"REINDEX of {what} {shown} runs without CONCURRENTLY{where(call)}: writes wait until it finishes",
            at=call.location,
            hint="use `REINDEX ... CONCURRENTLY` (PostgreSQL 12+) inside `with op.get_context().autocommit_block():`",
            anchor=anchor(call, name, "reindex"),
        )
        return
    yield create_index_not_concurrently.finding(
        f"Index {object_label(call)} on {table_label(call.table)} is built without CONCURRENTLY{where(call)}",
        at=call.location,
        hint="pass `postgresql_concurrently=True` inside `with op.get_context().autocommit_block():`",
        anchor=anchor(call, call.name_arg),
    )
