from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor, ident, where

VERB = {"create_index": "CREATE INDEX", "drop_index": "DROP INDEX", "reindex": "REINDEX"}


@op_rule(
    "AG402",
    "concurrent-index-in-transaction",
    on={"create_index", "drop_index", "reindex"},
    severity=Severity.ERROR,
    dialects={"postgresql"},
    phases=("upgrade", "downgrade"),
)
def concurrent_index_in_transaction(call: OpCall, ctx: OpContext):
    """CONCURRENTLY inside the migration's transaction.

    ## What it does
    Flags `postgresql_concurrently=True` (or `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX ...
    CONCURRENTLY` in raw SQL) outside `op.get_context().autocommit_block()`. Alembic runs each
    migration inside a transaction on PostgreSQL, upgrade and downgrade alike.

    ## Why is this bad?
    PostgreSQL refuses it: `CREATE INDEX CONCURRENTLY cannot run inside a transaction block`. The
    migration fails at deploy time, after the statements before it have already taken their locks.

    ## Example
    ```python
    def upgrade():
        op.create_index("ix_user_email", "user", ["email"], postgresql_concurrently=True)
    ```

    ## Use instead
    ```python
    def upgrade():
        with op.get_context().autocommit_block():
            op.create_index("ix_user_email", "user", ["email"], postgresql_concurrently=True)
    ```

    ## When to ignore
    Never while Alembic wraps the migration in a transaction. If env.py runs migrations with
    `transactional_ddl=False`, suppress this rule for the project (an env.py that says so literally,
    `isolation_level="AUTOCOMMIT"` or `transactional_ddl=False`, is read and the rule stays silent).

    Severity: error (Alembic runs `upgrade()` in a transaction unless env.py says otherwise, and
    PostgreSQL refuses CONCURRENTLY there: the migration fails).

    ## References
    - Alembic: `MigrationContext.autocommit_block`
    - squawk: ban-concurrent-index-creation-in-transaction
    """
    if not call.concurrently or not call.in_transaction or "autocommit" in ctx.env_sets:
        return  # env.py runs migrations in AUTOCOMMIT (or transactional_ddl=False): no transaction to be in
    what = VERB.get(call.name, call.name)
    yield concurrent_index_in_transaction.finding(
        f"{what} CONCURRENTLY (`{ident(call.name_arg or call.table)}`) runs inside the migration's transaction{where(call)}",
        at=call.location,
        hint="move it into `with op.get_context().autocommit_block():`",
        anchor=anchor(call, call.name_arg or call.table),
    )
