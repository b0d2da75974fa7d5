from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import ident
from alembic_guard.rules.operations._types import typed_columns


@op_rule(
    "AG418",
    "varchar-with-length",
    on={"create_table", "add_column", "alter_column"},
    severity=Severity.INFO,
    dialects={"postgresql"},
    status="preview",
)
def varchar_with_length(call: OpCall, ctx: OpContext):
    """varchar(n) / char(n) column on PostgreSQL.

    ## What it does
    Flags `sa.String(n)` / `VARCHAR(n)` / `CHAR(n)` columns. Preview: select it with
    `--select AG418`.

    ## Why is this bad?
    On PostgreSQL `text` and `varchar(n)` are stored the same way; the length only adds a limit
    whose later change needs ALTER COLUMN TYPE under an ACCESS EXCLUSIVE lock. A CHECK constraint
    on `length(col)` can be changed without a rewrite (add it NOT VALID, then validate).

    ## Example
    ```python
    def upgrade():
        op.add_column("user", sa.Column("nickname", sa.String(50), nullable=True))
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user", sa.Column("nickname", sa.Text(), nullable=True))
    ```

    ## References
    - squawk: prefer-text-field, ban-char-field
    """
    for name, type_, _col in typed_columns(call):
        if type_.name not in ("varchar", "char") or (type_.length is None and type_.name == "varchar"):
            continue
        yield varchar_with_length.finding(
            f"Column `{ident(call.table)}.{ident(name)}` is `{type_}`: changing the length later rewrites the table",
            at=call.location,
            hint="use `sa.Text()` (with a CHECK on length if a limit is needed)",
            anchor=f"varchar {ident(call.table)} {ident(name)}",
        )
