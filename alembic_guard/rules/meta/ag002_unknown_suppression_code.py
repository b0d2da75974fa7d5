from alembic_guard.findings import Severity
from alembic_guard.rules._registry import project_rule


@project_rule("AG002", "unknown-suppression-code", severity=Severity.WARNING)
def unknown_suppression_code(project):
    """A suppression comment with an unknown code, or with no code at all.

    ## What it does
    Flags `# alembic-guard: ignore[...]` comments that name a code no rule has, and blanket
    `# alembic-guard: ignore` comments that name none. With `require-reason = true` in
    `[tool.alembic-guard]`, it also flags suppressions that give no reason.

    ## Why is this bad?
    A typo in a code suppresses nothing while looking as if it did; a blanket ignore would hide
    every future rule on that line forever.

    ## Example
    ```python
    revision = "b2"  # alembic-guard: ignore[AG1O1] letter O instead of zero
    down_revision = "a1"
    ```

    ## Use instead
    ```python
    revision = "b2"  # alembic-guard: ignore[AG101] merged in the release branch
    down_revision = "a1"
    ```
    """
    return ()  # emitted by the engine after suppressions are applied
