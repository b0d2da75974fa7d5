from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import FUNC, headline, revision_location, step_details


@roundtrip_rule("AG307", "migration-step-timeout", severity=Severity.ERROR)
def migration_step_timeout(result, project):
    """A migration step ran into `--step-timeout` (statement or lock timeout).

    ## What it does
    With `--step-timeout SECONDS`, the sandbox session gets `statement_timeout` and `lock_timeout`
    (PostgreSQL) or `max_statement_time` and `lock_wait_timeout` (MariaDB/MySQL). A step that
    hits them is reported here instead of hanging the CI job.

    ## Why is this bad?
    A step that is slow on a small sandbox is much slower on production data, and a step that
    waits on a lock blocks every query behind it.

    ## Example
    ```python
    def upgrade():
        op.execute("SELECT pg_sleep(600)")

    def downgrade():
        pass
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text()))

    def downgrade():
        op.drop_column("user_account", "name")
    ```
    """
    for step in result.steps:
        if step.timeout and not step.ok:
            phase = {"reupgrade": "re-upgrade"}.get(step.phase, step.phase)
            yield migration_step_timeout.finding(
                f"The {phase} of `{step.revision}` hit the step timeout: {headline(step.error)}",
                at=revision_location(project, step.revision, step.line, FUNC.get(step.phase)),
                hint="split the migration into smaller steps, batch data updates, or avoid long locks",
                details=step_details(step),
                anchor=f"{step.revision} {step.phase}",
            )
