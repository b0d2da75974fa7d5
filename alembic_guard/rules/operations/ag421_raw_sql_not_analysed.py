from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule


@op_rule(
    "AG421",
    "raw-sql-not-analysed",
    on={"unanalysed_sql"},
    severity=Severity.INFO,
)
def raw_sql_not_analysed(call: OpCall, ctx: OpContext):
    """Raw SQL that alembic-guard could not analyse.

    ## What it does
    Reports `op.execute(...)` / `connection.execute(...)` whose SQL is built at run time
    (f-strings with unknown parts, variables), does not parse as PostgreSQL, or cannot be read
    because pglast is not installed. The operation rules could not look at it.

    ## Why is this bad?
    It is not bad in itself: it is an honest "not checked". Without this report, a migration whose
    only dangerous statement hides in dynamic SQL would look clean.

    ## Example
    ```python
    def upgrade():
        table = "user"
        op.execute(f"CREATE INDEX ix_email ON {get_name()} (email)")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.execute('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_email ON "user" (email)')
    ```

    ## When to ignore
    Dynamic SQL you have reviewed: suppress with a reason. `--import` renders the SQL offline and
    checks it (AG424).
    """
    reason = call.params.get("reason") or "it cannot be read statically"
    yield raw_sql_not_analysed.finding(
        f"Raw SQL not analysed: {reason}",
        at=call.location,
        hint="write the statement as a literal (or use op.* operations); review it by hand, or run with --import to check the rendered SQL",
        anchor="unanalysed_sql " + ("pglast" if call.params.get("unavailable") else str(call.line)),
    )
