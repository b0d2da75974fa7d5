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
    revision = "b2"  # alembic-guard: ignore[AG101] the second head was merged long ago
    down_revision = None
    ```

    ## Use instead
    ```python
    revision = "b2"
    down_revision = None
    ```

    ## When to ignore
    Never: delete the comment instead. To keep a suppression for a rule you only run sometimes,
    it is reported only when the rule it names was selected for the run.
    """
    return ()  # emitted by the engine after suppressions are applied
