from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import lock_trace, revision_location, statement_label, upper_first
from alembic_guard.trace.marks import held_after, with_held
from alembic_guard.trace.model import rank


@roundtrip_rule("AG311", "table-rewritten", severity=Severity.WARNING, status="preview")
def table_rewritten(result, project):
    """An existing table (or its indexes) was rewritten, and no static rule said so.

    ## What it does
    Reads the round trip's lock trace (PostgreSQL): a statement after which a table that existed
    before the revision (or one of its indexes) has a new `relfilenode` rewrote it, row by row.
    The finding names the table, the statement's line and the lock the statement held. When a
    static rule (AG403, AG406) already reported that very statement and the trace confirmed it,
    this finding is left out: the same statement is not reported twice. `TRUNCATE` also changes
    the `relfilenode` but copies nothing, and is not reported.

    It catches what the static reader cannot see: a type change whose previous type it could not
    read, operations inside project helpers or `batch_alter_table`, SQL built at run time.

    Severity: warning (the table's size in production, which decides the duration, is not visible
    in the sandbox).

    ## Why is this bad?
    A rewrite copies every row and rebuilds every index while holding ACCESS EXCLUSIVE: on a
    production-sized table, minutes to hours during which nothing can read or write it.

    ## Example
    ```python
    def upgrade():
        op.execute("ALTER TABLE user_account ALTER COLUMN id TYPE bigint")

    def downgrade():
        op.execute("ALTER TABLE user_account ALTER COLUMN id TYPE integer")
    ```

    ## Use instead
    ```python
    def upgrade():
        # expand: a new column, filled in batches outside the migration, then switch reads over
        op.add_column("user_account", sa.Column("id_big", sa.BigInteger(), nullable=True))

    def downgrade():
        op.drop_column("user_account", "id_big")
    ```

    ## When to ignore
    Tables known to stay small.
    """
    trace = lock_trace(result)
    if trace is None:
        return
    for revision in trace.revisions.values():
        for stmt, before in with_held(revision):
            if not stmt.rewrites or stmt.sql.lstrip().upper().startswith("TRUNCATE"):
                continue
            kinds = {lock.relation: lock for lock in sorted(stmt.locks, key=lambda lock: rank(lock.mode))}  # strongest last
            tables: dict[str, list[str]] = {}  # table -> its rewritten indexes
            for rel in stmt.rewrites:
                lock = kinds.get(rel)
                if lock is not None and lock.kind == "index":
                    tables.setdefault(lock.table or rel, []).append(rel)
                else:
                    tables.setdefault(rel, [])
            for table, indexes in tables.items():
                mode = held_after(before, stmt).get(table, "")
                how = f" under {mode}" if mode else ""
                parts = ([f"`{table}`"] if table in stmt.rewrites else []) + (
                    [f"{len(indexes)} of its indexes" if table in stmt.rewrites else f"indexes of `{table}`"] if indexes else [])
                yield table_rewritten.finding(
                    f"{upper_first(statement_label(stmt))} rewrote {' and '.join(parts)}{how}: "
                    "every row is copied while the table is locked",
                    at=revision_location(project, revision.revision, stmt.line),
                    hint="change the schema without a rewrite (a new column backfilled in batches), "
                    "or run it when the table may be locked for a full copy",
                    anchor=f"{revision.revision} {table} {stmt.sql[:60]}",
                )
