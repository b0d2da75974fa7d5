from alembic_guard.findings import Severity
from alembic_guard.ops import LOCKING_OPS, OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import ident


@op_rule(
    "AG416",
    "missing-lock-timeout",
    on=LOCKING_OPS,
    severity=Severity.WARNING,
    dialects={"postgresql"},
    status="preview",
)
def missing_lock_timeout(call: OpCall, ctx: OpContext):
    """Locking DDL without a lock_timeout.

    ## What it does
    Flags the first statement of a migration that locks an existing table (ALTER TABLE, CREATE
    INDEX without CONCURRENTLY, DROP ...) when neither the migration (`SET lock_timeout`) nor
    env.py sets `lock_timeout` before it. Reported once per migration. Preview (off by default,
    because it fires on nearly every migration of a project that has not adopted timeouts yet):
    select it with `--select AG416`, or set `lock_timeout` once in env.py.

    ## Why is this bad?
    DDL must wait for its lock behind every running transaction on the table, and while it waits,
    every new query on the table queues behind it. One long report query turns a millisecond
    ALTER into an outage. A `lock_timeout` makes the migration fail fast instead, so it can be
    retried.

    ## Example
    ```python
    def upgrade():
        op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))
    ```

    ## Use instead
    ```python
    def upgrade():
        op.execute("SET lock_timeout = '5s'")
        op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))
    ```

    ## When to ignore
    When env.py sets it for every migration in a way the rule cannot see (it looks for
    `lock_timeout` in env.py's text).

    ## References
    - squawk: require-lock-timeout
    """
    if ctx.first_locking(call) is not call or ctx.sets_before("lock_timeout", call):
        return
    yield missing_lock_timeout.finding(
        f"`{call.name}` on `{ident(call.table)}` takes a lock with no `lock_timeout` set: queries queue behind it while it waits",
        at=call.location,
        hint="start upgrade() with `op.execute(\"SET lock_timeout = '5s'\")`, or set it for every migration in env.py",
        anchor="lock_timeout",
    )
