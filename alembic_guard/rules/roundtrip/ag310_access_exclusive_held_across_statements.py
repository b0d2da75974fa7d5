from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import lock_trace, revision_location, statement_label

MIN_STATEMENTS = 2  # the statement that takes the lock and at least one more


@roundtrip_rule("AG310", "access-exclusive-held-across-statements", severity=Severity.WARNING, status="preview")
def access_exclusive_held_across_statements(result, project):
    """An existing table is held ACCESS EXCLUSIVE while further statements of the revision run.

    ## What it does
    Reads the round trip's lock trace (PostgreSQL): when a statement of a revision's upgrade takes
    ACCESS EXCLUSIVE on a table that existed before the revision, and further statements of the
    same revision run before it commits, it reports the table, the line that took the lock and how
    many statements ran while it was held. Statements run inside `autocommit_block()` release
    their locks as they finish and are not counted; statements Alembic issues itself (the version
    table) are not counted either.

    Severity: warning (the sandbox's statement durations say nothing about production's).

    ## Why is this bad?
    PostgreSQL keeps every lock until the transaction ends, and Alembic runs a revision in one
    transaction. Once one statement holds ACCESS EXCLUSIVE, nobody can read or write the table
    until the last statement of the revision is done: a quick `ALTER TABLE` followed by an index
    build or a backfill turns the index build's duration into a full outage of the table.

    ## Example
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("nickname", sa.Text()))
        op.create_index("ix_user_account_email", "user_account", ["email"])

    def downgrade():
        op.drop_index("ix_user_account_email", table_name="user_account")
        op.drop_column("user_account", "nickname")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("nickname", sa.Text()))

    def downgrade():
        op.drop_column("user_account", "nickname")
    # and the index in a revision of its own, built CONCURRENTLY inside autocommit_block()
    ```

    ## When to ignore
    The statements after the lock are instant (catalog-only changes such as a rename or a nullable
    column without a default), or the table is small and little used.
    """
    trace = lock_trace(result)
    if trace is None:
        return
    for revision in trace.revisions.values():
        for relation, held in exclusive_spans(revision):
            if len(held) < MIN_STATEMENTS:
                continue
            lines = sorted({s.line for s in held})
            yield access_exclusive_held_across_statements.finding(
                f"`{relation}` is held ACCESS EXCLUSIVE from {statement_label(held[0])} until the revision commits, "
                f"across {len(held)} statements (lines {', '.join(map(str, lines))}): reads and writes of `{relation}` "
                "wait for all of them",
                at=revision_location(project, revision.revision, held[0].line),
                hint="run the statements that follow in a revision of their own, or take the exclusive lock last",
                anchor=f"{revision.revision} {relation}",
            )


def exclusive_spans(revision):
    """(table, the statements that ran while it was held ACCESS EXCLUSIVE), the longest span of each
    existing table. A span ends where the transaction does: at the revision's end, or before a
    statement outside it (`autocommit_block()` commits first). Statements Alembic issues itself
    (no line of the revision file: the version table) are not counted."""
    spans: dict[str, list] = {}
    open_: dict[str, list] = {}
    for stmt in revision.statements:
        if stmt.line is None:
            continue
        if stmt.autocommit:
            for relation, held in open_.items():
                _keep_longest(spans, relation, held)
            open_ = {}
            continue
        for held in open_.values():
            held.append(stmt)
        for lock in stmt.existing_locks():
            if lock.mode == "ACCESS EXCLUSIVE" and lock.kind not in ("index", "sequence") and lock.relation not in open_:
                open_[lock.relation] = [stmt]
    for relation, held in open_.items():
        _keep_longest(spans, relation, held)
    return list(spans.items())


def _keep_longest(spans: dict, relation: str, held: list) -> None:
    if len(held) > len(spans.get(relation, ())):
        spans[relation] = held
