import io
import re
import tokenize

from alembic_guard.findings import Severity
from alembic_guard.ops import LOCKING_OPS, operations
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import lock_trace, revision_location, statement_label, upper_first
from alembic_guard.trace.model import blocks_text, blocks_writes, rank

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_UNSEEN = ("unresolved", "unanalysed_sql")


@roundtrip_rule("AG312", "lock-on-unnamed-table", severity=Severity.WARNING, status="preview")
def lock_on_unnamed_table(result, project):
    """A statement locks writes out of an existing table the revision never names.

    ## What it does
    Reads the round trip's lock trace (PostgreSQL): a statement that takes a lock blocking writes
    (SHARE or stronger) on a table that existed before the revision, when that table's name
    appears nowhere in the revision: not as an operation's table (read statically, without running
    the file), not in its SQL, not in any string of the file. Such locks come from foreign keys
    (the referenced table is locked too), triggers, inheritance and partitions, views, and from
    helpers defined in other modules. When part of the revision cannot be read statically, the
    finding says which lines, since the name may be hidden there.

    Severity: warning, not info. The lock blocks the application's writes just as a named one
    does, but the reviewer of the revision has no way to see it coming: no line of the diff
    mentions the table, so no one plans for its writes stalling.

    ## Why is this bad?
    Writes to a table nobody expected to touch wait for the migration, often for the length of
    a validation scan of another table (a foreign key's referenced table is held SHARE ROW
    EXCLUSIVE while the referencing table is scanned).

    ## Example
    ```python
    def upgrade():
        for table in sa.inspect(op.get_bind()).get_table_names():
            if table != "alembic_version":
                op.add_column(table, sa.Column("tenant_id", sa.Integer()))

    def downgrade():
        for table in sa.inspect(op.get_bind()).get_table_names():
            if table != "alembic_version":
                op.drop_column(table, "tenant_id")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("tenant_id", sa.Integer()))

    def downgrade():
        op.drop_column("user_account", "tenant_id")
    ```

    ## When to ignore
    The lock is expected and short (the locked table is small or rarely written).
    """
    trace = lock_trace(result)
    if trace is None:
        return
    for revision in trace.revisions.values():
        mig = project.by_revision.get(revision.revision)
        if mig is None:
            continue
        named, unseen = names_in_revision(project, mig)
        reported: set[str] = set()
        for stmt in revision.statements:
            if stmt.line is None:
                continue  # issued by Alembic itself (the version table), not by the revision
            for lock in sorted(stmt.existing_locks(), key=lambda lock: -rank(lock.mode)):
                table = lock.relation
                if lock.kind in ("index", "sequence") or not blocks_writes(lock.mode) or table in reported:
                    continue
                if table.lower() in named or table.rsplit(".", 1)[-1].lower() in named:
                    continue
                reported.add(table)
                blind = (f"; part of the revision cannot be read statically ({'; '.join(unseen[:3])}), "
                         "so it may name the table there") if unseen else ""
                yield lock_on_unnamed_table.finding(
                    f"{upper_first(statement_label(stmt))} takes {lock.mode} on `{table}`, "
                    f"which the revision does not name ({blocks_text(lock.mode)}){blind}",
                    at=revision_location(project, revision.revision, stmt.line),
                    hint="check why the statement locks this table (a foreign key, a trigger, inheritance, a name built at run time) "
                    "and whether its writes may wait that long",
                    anchor=f"{revision.revision} {table}",
                )


def names_in_revision(project, mig) -> tuple[set[str], list[str]]:
    """(every identifier the revision's upgrade names, lower-cased; what of it cannot be read
    statically, as `line N: why`). Names come from the operations read statically, their SQL and
    every string literal in the file (`sa.ForeignKey("user.id")` names `user`)."""
    names: set[str] = set()
    unseen: list[str] = []
    for call in operations(project).of(mig).calls:
        if call.phase != "upgrade":
            continue
        if call.name in _UNSEEN:
            unseen.append(f"line {call.line}: {call.params.get('reason') or call.name}")
        elif call.name in LOCKING_OPS and call.table is None:
            unseen.append(f"line {call.line}: the table of `op.{call.name}` is computed at run time")
        params = [v for k, v in call.params.items() if k not in ("reason", "detail")]
        for value in (call.table, call.batch_table, call.sql, *params):
            if isinstance(value, str):
                names.update(w.lower() for w in _WORD.findall(value))
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(mig.source).readline))
    except (tokenize.TokenError, SyntaxError):
        tokens = []
    for tok in tokens:
        if tok.type == tokenize.STRING:
            names.update(w.lower() for w in _WORD.findall(tok.string))
    return names, unseen
