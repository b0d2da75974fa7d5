from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import ident
from alembic_guard.rules.operations._types import typed_columns


@op_rule(
    "AG417",
    "int-primary-key",
    on={"create_table", "add_column", "alter_column"},
    severity=Severity.INFO,
    dialects={"postgresql", "mysql"},
    status="preview",
)
def int_primary_key(call: OpCall, ctx: OpContext):
    """Primary or foreign key column of a 32-bit (or smaller) integer type.

    ## What it does
    Flags `Integer`/`SmallInteger` columns that are primary keys, foreign keys, or named `id` /
    `*_id`. Preview: select it with `--select AG417`.

    ## Why is this bad?
    A 32-bit id runs out at 2,147,483,647. Changing the type later rewrites the table under an
    ACCESS EXCLUSIVE lock (see AG403), on the biggest table, at the worst moment.

    ## Example
    ```python
    def upgrade():
        op.create_table("event", sa.Column("id", sa.Integer(), primary_key=True))
    ```

    ## Use instead
    ```python
    def upgrade():
        op.create_table("event", sa.Column("id", sa.BigInteger(), primary_key=True))
    ```

    ## References
    - squawk: prefer-bigint-over-int, prefer-bigint-over-smallint
    """
    for name, type_, col in typed_columns(call):
        if type_.name not in ("integer", "smallint", "serial", "serial4", "smallserial", "serial2"):
            continue
        is_key = col is not None and (col.primary_key or col.foreign_key)
        named = isinstance(name, str) and (name.lower() == "id" or name.lower().endswith("_id"))
        if not (is_key or named):
            continue
        yield int_primary_key.finding(
            f"Key column `{ident(call.table)}.{ident(name)}` is `{type_}`: 32-bit ids run out",
            at=call.location,
            hint="use `sa.BigInteger()` for ids and the columns that reference them",
            anchor=f"int-key {ident(call.table)} {ident(name)}",
        )
