from alembic_guard.findings import Severity
from alembic_guard.ops import OpCall, OpContext
from alembic_guard.rules._registry import op_rule


@op_rule(
    "AG423",
    "revision-not-analysed",
    on={"unresolved"},
    severity=Severity.WARNING,
)
def revision_not_analysed(call: OpCall, ctx: OpContext):
    """Revision whose operations cannot be read statically.

    ## What it does
    Reports a revision whose `upgrade()` does something the static reader cannot follow: it calls
    a helper imported from another module with `op` or the connection, calls
    `getattr(op, name)`, `op.invoke(...)` or `exec`, or is not a function defined in the file.

    Severity: warning (what the unread code does is, by definition, not visible).

    ## Why is this bad?
    The operation rules only see what they can read. Rather than pass such a revision silently,
    alembic-guard says it did not analyse it.

    ## Example
    ```python
    from myapp.migration_helpers import add_audit_columns

    def upgrade():
        add_audit_columns(op, "invoice")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("invoice", sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    ```

    ## When to ignore
    Helpers you have reviewed: suppress with a reason, or run `--import` to check the SQL the
    revision renders offline (AG424).
    """
    reason = call.params.get("reason") or "its operations cannot be read statically"
    yield revision_not_analysed.finding(
        f"Revision `{ctx.revision or '?'}` not fully analysed: {reason}",
        at=call.location,
        hint="inline the operations in upgrade(), or review this revision by hand (or check it with --import)",
        anchor=f"unresolved {reason}",
    )
