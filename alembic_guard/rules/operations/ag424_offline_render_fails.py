from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import Requires, op_rule


@op_rule(
    "AG424",
    "offline-render-fails",
    on={"offline_render_failed"},
    severity=Severity.WARNING,
    requires=Requires.IMPORT,
)
def offline_render_fails(call: OpCall, ctx: OpContext):
    """Revision cannot be rendered as SQL offline (`alembic upgrade --sql`).

    ## What it does
    With `--import`, renders every revision's SQL in Alembic's offline mode (what
    `alembic upgrade <down>:<rev> --sql` does, in a subprocess with a timeout) and reports the
    revisions that fail. The SQL rendered for revisions the static reader could not fully see
    (AG421, AG423) also goes through the operation rules.

    ## Why is this bad?
    A revision that reflects the database (`sa.inspect(bind)`, `Table(..., autoload_with=bind)`)
    or reads data through the connection only works online. Its SQL cannot be reviewed by a DBA or
    applied by a deploy pipeline that ships SQL scripts, and its behaviour depends on the state of
    whichever database it runs against.

    ## Example
    ```python
    def upgrade():
        columns = [c["name"] for c in sa.inspect(op.get_bind()).get_columns("user")]
        if "nickname" not in columns:
            op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))
    ```

    ## When to ignore
    Projects that never use offline mode: leave `--import` off, or suppress per revision with a reason.
    """
    reason = call.params.get("reason") or "it raised"
    yield offline_render_fails.finding(
        f"Revision `{ctx.revision or '?'}` cannot be rendered offline: {reason}",
        at=call.location,
        hint="avoid reflecting or reading data in upgrade(); if you must, guard it with `if context.is_offline_mode():`",
        anchor="offline-render",
    )
