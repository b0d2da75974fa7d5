import re

from alembic_guard.findings import Severity
from alembic_guard.ops import ColumnSpec, OpCall, OpContext
from alembic_guard.rules._registry import op_rule

MAX_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1


def _names(call: OpCall):
    """(kind, name) of every identifier the operation creates."""
    p = call.params
    if call.name in ("create_index", "create_foreign_key", "create_unique_constraint", "create_primary_key",
                     "create_check_constraint", "create_exclude_constraint"):
        yield ("index" if call.name == "create_index" else "constraint"), call.name_arg
    if call.name == "create_table":
        yield "table", call.table
        if "column_names" in p:  # from op.create_table: names read without analysing the columns
            for name in p["column_names"]:
                yield "column", name
        else:
            for col in p.get("columns") or ():
                if isinstance(col, ColumnSpec):
                    yield "column", col.name
    elif call.name == "add_column" and call.column is not None:
        yield "column", call.column.name
    elif call.name == "alter_column" and isinstance(p.get("new_column_name"), str):
        yield "column", p["new_column_name"]
    elif call.name == "rename_table":
        yield "table", p.get("new_table_name")


@op_rule(
    "AG426",
    "identifier-too-long",
    on={"create_index", "create_foreign_key", "create_unique_constraint", "create_primary_key",
        "create_check_constraint", "create_exclude_constraint", "create_table", "add_column",
        "alter_column", "rename_table"},
    severity=Severity.WARNING,
    dialects={"postgresql"},
)
def identifier_too_long(call: OpCall, ctx: OpContext):
    """Identifier longer than PostgreSQL keeps.

    ## What it does
    Flags index, constraint, table and column names longer than 63 bytes.

    ## Why is this bad?
    PostgreSQL silently truncates identifiers to 63 bytes. The object gets a different name than
    the one in the migration and in the models: a later `op.drop_index("<full name>")` or
    `op.drop_constraint(...)` fails with "does not exist", and autogenerate keeps reporting a
    difference. Long names usually come from naming conventions applied to long table and column
    names.

    ## Example
    ```python
    def upgrade():
        op.create_index(
            "ix_customer_subscription_history_billing_period_started_at_and_plan_id",
            "customer_subscription_history",
            ["billing_period_started_at", "plan_id"],
        )
    ```

    ## Use instead
    ```python
    def upgrade():
        op.create_index(
            "ix_cust_sub_hist_period_plan",
            "customer_subscription_history",
            ["billing_period_started_at", "plan_id"],
        )
    ```

    ## References
    - PostgreSQL: "Identifiers and Key Words" (NAMEDATALEN)
    - squawk: identifier-too-long
    """
    for kind, name in _names(call):
        if isinstance(name, str) and call.sql and len(name.encode("utf-8")) > MAX_BYTES - 4:
            # the SQL parser truncates like the server does (to 63 bytes, never inside a multi-byte
            # character, so 60-63 bytes remain): recover the spelling from the text
            m = re.search(re.escape(name) + r"[\w$]+", call.sql)
            name = m.group(0) if m else name
        if not isinstance(name, str) or len(name.encode("utf-8")) <= MAX_BYTES:
            continue
        yield identifier_too_long.finding(
            f"The {kind} name `{name}` is {len(name.encode('utf-8'))} bytes: PostgreSQL truncates it to 63",
            at=call.location,
            hint="choose a name of at most 63 bytes (shorten the naming convention or pass an explicit name)",
            anchor=f"{kind} {name}",
        )
