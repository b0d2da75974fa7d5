from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule
from alembic_guard.rules.operations._common import anchor

VERBS = {"update": "UPDATE", "insert": "INSERT", "delete": "DELETE", "truncate": "TRUNCATE", "bulk_insert": "op.bulk_insert"}


@op_rule(
    "AG420",
    "data-backfill-in-schema-migration",
    on={"update", "insert", "delete", "truncate", "bulk_insert", "orm_session"},
    severity=Severity.WARNING,
)
def data_backfill_in_schema_migration(call: OpCall, ctx: OpContext):
    """Data changed inside a schema migration.

    ## What it does
    Flags UPDATE / INSERT / DELETE / TRUNCATE statements (raw SQL through `op.execute` or the
    connection, SQLAlchemy Core `update()`/`insert()`/`delete()`, `op.bulk_insert`) on existing
    tables, and ORM sessions opened inside a migration. Rows written into a table created earlier
    in the same migration (seed data) are not flagged, nor statements run outside the transaction
    (inside `autocommit_block()`, where each batch of a backfill loop commits on its own).

    ## Why is this bad?
    The statement runs in the migration's transaction, together with DDL that holds ACCESS
    EXCLUSIVE locks: every row it touches stays locked, and the DDL locks stay held, until the
    whole backfill commits. On a big table that is a long outage and a huge transaction that
    cannot be resumed. ORM models imported into a migration describe today's schema, not the
    schema at this revision, so the migration breaks once the models move on.

    ## Example
    ```python
    def upgrade():
        op.add_column("account", sa.Column("status", sa.Text(), nullable=True))
        op.execute("UPDATE account SET status = 'active'")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("account", sa.Column("status", sa.Text(), nullable=True))
        # better still: backfill from a separate job, after the deploy
        with op.get_context().autocommit_block():
            while op.get_bind().execute(sa.text(BATCH)).rowcount:
                pass  # BATCH = "UPDATE account SET status = 'active' WHERE id IN (... LIMIT 1000)"
    ```

    ## When to ignore
    Small tables and one-off fixes; suppress with a reason.

    ## References
    - strong_migrations: "Backfilling data"
    """
    if call.name == "orm_session":
        yield data_backfill_in_schema_migration.finding(
            f"An ORM session (`{call.params.get('factory') or 'Session'}`) is opened inside the migration",
            at=call.location,
            hint="use Core statements on `sa.table(...)` stubs, or move the data change out of the migration",
            anchor="orm_session",
        )
        return
    if not call.in_transaction:
        return  # autocommit: each statement commits on its own (the batched-backfill pattern)
    table = call.params.get("table_name")
    if isinstance(table, str) and (ctx.created_earlier(table) or table.lower() == "alembic_version"):
        return
    verb = VERBS.get(call.name, call.name)
    yield data_backfill_in_schema_migration.finding(
        (f"{verb} on `{table}` changes data inside the schema migration" if isinstance(table, str) and table
         else f"{verb} on a table whose name is not visible in the revision (a Table object built elsewhere) "
              "changes data inside the schema migration"),
        at=call.location,
        hint="backfill in batches outside the migration (a job or command), or suppress with a reason for small tables",
        anchor=anchor(call, table),
    )
