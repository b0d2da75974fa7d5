from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import ident
from alembic_guard.rules.operations._types import typed_columns


@op_rule(
    "AG419",
    "timestamp-without-time-zone",
    on={"create_table", "add_column", "alter_column"},
    severity=Severity.INFO,
    dialects={"postgresql"},
    status="preview",
)
def timestamp_without_time_zone(call: OpCall, ctx: OpContext):
    """timestamp column without time zone.

    ## What it does
    Flags `sa.DateTime()` / `TIMESTAMP` columns without `timezone=True`. Preview: select it with
    `--select AG419`.

    ## Why is this bad?
    `timestamp without time zone` stores wall-clock time with no offset: values written by servers
    or sessions in different time zones cannot be compared, and moving to `timestamptz` later is
    a type change that rewrites the table.

    ## Example
    ```python
    def upgrade():
        op.add_column("user", sa.Column("last_seen", sa.DateTime(), nullable=True))
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user", sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True))
    ```

    ## References
    - squawk: prefer-timestamptz
    """
    for name, type_, _col in typed_columns(call):
        if type_.name != "timestamp":
            continue
        yield timestamp_without_time_zone.finding(
            f"Column `{ident(call.table)}.{ident(name)}` is `{type_}` without time zone",
            at=call.location,
            hint="use `sa.DateTime(timezone=True)` (timestamptz)",
            anchor=f"timestamp {ident(call.table)} {ident(name)}",
        )
