from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import headline, revision_location, step_details


@roundtrip_rule("AG304", "reupgrade-fails", severity=Severity.ERROR)
def reupgrade_fails(result, project):
    """A revision's upgrade fails when run again after its own downgrade.

    ## What it does
    After upgrade and downgrade of each revision, upgrades it once more and reports a failure.
    This usually means the downgrade left something behind (see AG303) that the upgrade creates.

    ## Why is this bad?
    Roll back, fix, roll forward is the normal incident flow. If the roll forward fails, the
    database is stuck between versions.

    ## Example
    ```python
    def upgrade():
        op.create_index("ix_user_email", "user_account", ["email"])

    def downgrade():
        pass  # the index stays; upgrading again fails: relation already exists
    ```

    ## Use instead
    ```python
    def upgrade():
        op.create_index("ix_user_email", "user_account", ["email"])

    def downgrade():
        op.drop_index("ix_user_email", table_name="user_account")
    ```
    """
    for step in result.steps:
        if step.phase == "reupgrade" and not step.ok and not step.timeout:
            yield reupgrade_fails.finding(
                f"Re-upgrade of `{step.revision}` after its downgrade fails: {headline(step.error)}",
                at=revision_location(project, step.revision, step.line, "upgrade"),
                hint="make downgrade() undo everything upgrade() does, so the upgrade can run again",
                details=step_details(step),
                anchor=step.revision,
            )
