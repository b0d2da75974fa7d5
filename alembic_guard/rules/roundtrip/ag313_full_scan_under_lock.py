from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import lock_trace, revision_location, statement_label, upper_first
from alembic_guard.trace.marks import held_after, with_held
from alembic_guard.trace.model import blocks_text, blocks_writes


@roundtrip_rule("AG313", "full-scan-under-lock", severity=Severity.WARNING, status="preview")
def full_scan_under_lock(result, project):
    """An existing table was read whole while a lock that blocks its writes was held.

    ## What it does
    Reads the round trip's lock trace (PostgreSQL): a statement that scans a table that existed
    before the revision from start to end (a sequential scan) while the revision holds a lock on
    it that blocks writes (taken by this statement or an earlier one in the same transaction).
    Typical causes: `SET NOT NULL` without a validated `CHECK (col IS NOT NULL)`, `ADD CHECK` or
    `ADD FOREIGN KEY` without `NOT VALID`, an index built without `CONCURRENTLY`, an `UPDATE` of
    every row after an `ALTER TABLE` in the same revision. When a static rule (AG401, AG404,
    AG407, AG409...) already reported that very statement and the trace confirmed it, this finding
    is left out; a statement that rewrites the table is reported by AG311 instead.

    Severity: warning (the scan's duration grows with the table, whose production size is not
    visible in the sandbox).

    ## Why is this bad?
    A full scan takes time proportional to the table; every write to it waits for the scan to
    end, and with ACCESS EXCLUSIVE every read waits too.

    ## Example
    ```python
    def upgrade():
        op.execute("ALTER TABLE user_account ADD CONSTRAINT ck_email CHECK (email <> '')")

    def downgrade():
        op.execute("ALTER TABLE user_account DROP CONSTRAINT ck_email")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.execute("ALTER TABLE user_account ADD CONSTRAINT ck_email CHECK (email <> '') NOT VALID")

    def downgrade():
        op.execute("ALTER TABLE user_account DROP CONSTRAINT ck_email")
    # then, in a later revision: ALTER TABLE user_account VALIDATE CONSTRAINT ck_email
    ```

    ## When to ignore
    Tables known to stay small.
    """
    trace = lock_trace(result)
    if trace is None:
        return
    for revision in trace.revisions.values():
        for stmt, before in with_held(revision):
            mine = held_after(before, stmt)  # the transaction's locks, and this statement's own
            if stmt.line is None:
                continue
            for table in stmt.scans:
                mode = mine.get(table)
                if mode is None or not blocks_writes(mode) or table in stmt.rewrites:
                    continue
                yield full_scan_under_lock.finding(
                    f"{upper_first(statement_label(stmt))} reads all of `{table}` while the revision holds "
                    f"{mode} on it ({blocks_text(mode)})",
                    at=revision_location(project, revision.revision, stmt.line),
                    hint="validate in a separate step that does not block writes (NOT VALID, then VALIDATE "
                    "CONSTRAINT in a later revision; CREATE INDEX CONCURRENTLY), or move the backfill out of the revision",
                    anchor=f"{revision.revision} {table} {stmt.sql[:60]}",
                )
