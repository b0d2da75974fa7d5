from alembic_guard.findings import Severity
from alembic_guard.ops import LOCKING_OPS, OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import ident


@op_rule(
    "AG425",
    "missing-statement-timeout",
    on=LOCKING_OPS,
    severity=Severity.WARNING,
    dialects={"postgresql"},
    status="preview",
)
def missing_statement_timeout(call: OpCall, ctx: OpContext):
    """Locking DDL without a statement_timeout.

    ## What it does
    Flags the first statement of a migration that locks an existing table when neither the
    migration nor env.py sets `statement_timeout` before it. Reported once per migration. Preview:
    select it with `--select AG425`.

    ## Why is this bad?
    A lock held for the length of a table rewrite or a validation scan blocks everyone else. A
    `statement_timeout` bounds how long that can last.

    ## Example
    ```python
    def upgrade():
        op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))
    ```

    ## Use instead
    ```python
    def upgrade():
        op.execute("SET statement_timeout = '15s'")
        op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))
    ```

    ## References
    - squawk: require-statement-timeout
    """
    if ctx.first_locking(call) is not call or ctx.sets_before("statement_timeout", call):
        return
    yield missing_statement_timeout.finding(
        f"`{call.name}` on `{ident(call.table)}` takes a lock with no `statement_timeout` set",
        at=call.location,
        hint="start upgrade() with `op.execute(\"SET statement_timeout = '15s'\")`, or set it in env.py",
        anchor="statement_timeout",
    )
