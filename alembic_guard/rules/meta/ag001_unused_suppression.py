from alembic_guard.findings import Severity
from alembic_guard.rules._registry import project_rule


@project_rule("AG001", "unused-suppression", severity=Severity.WARNING)
def unused_suppression(project):
    """A suppression comment that suppresses nothing.

    ## What it does
    Flags `# alembic-guard: ignore[...]` comments whose codes matched no finding on their line
    (or, for `ignore-file`, in their file).

    ## Why is this bad?
    A stale suppression will silently hide the next, real problem that appears on that line. Old
    migrations are history: keep their suppressions exact.

    ## Example
    ```python
    def upgrade():
        op.add_column("user", sa.Column("age", sa.Integer()))  # alembic-guard: ignore[AG410] not a drop
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user", sa.Column("age", sa.Integer()))
    ```
    """
    return ()  # emitted by the engine after suppressions are applied
