from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import headline, revision_location, step_details


@roundtrip_rule("AG302", "downgrade-fails", severity=Severity.ERROR)
def downgrade_fails(result, project):
    """A revision's `downgrade()` fails right after its upgrade.

    ## What it does
    After upgrading each revision in a throwaway database, runs its downgrade (one step) and
    reports a failure with the SQL statement and the database error. Revisions whose downgrade is
    missing or raises NotImplementedError are irreversible (AG305), not failures.

    ## Why is this bad?
    Downgrades are the code nobody runs until the night a release must be rolled back. Then they
    fail, and the rollback becomes a manual repair under pressure.

    ## Example
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text()))

    def downgrade():
        op.drop_column("user_account", "nmae")
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
        if step.phase == "downgrade" and not step.ok and not step.timeout:
            yield downgrade_fails.finding(
                f"Downgrade of `{step.revision}` fails: {headline(step.error)}",
                at=revision_location(project, step.revision, step.line, "downgrade"),
                hint="fix downgrade() so it undoes exactly what upgrade() did; or make the revision explicitly irreversible (raise NotImplementedError)",
                details=step_details(step),
                anchor=step.revision,
            )
