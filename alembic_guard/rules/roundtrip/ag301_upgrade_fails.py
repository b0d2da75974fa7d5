from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import headline, revision_location, step_details


@roundtrip_rule("AG301", "upgrade-fails", severity=Severity.ERROR)
def upgrade_fails(result, project):
    """A revision's `upgrade()` fails when run for real (or env.py fails before any revision runs).

    ## What it does
    Runs every revision's upgrade through the project's own env.py in a throwaway database, in
    upgrade order across all branches, and reports the ones the database rejects, with the SQL
    statement and the database error. Revisions that depend on a failing one are not tested.

    ## Why is this bad?
    A migration that cannot run on an empty database will not run at deploy time either: the
    release stops half way, usually at night.

    ## Example
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text()))
        op.create_index("ix_user_nme", "user_account", ["nme"])  # no such column

    def downgrade():
        op.drop_index("ix_user_nme", table_name="user_account")
        op.drop_column("user_account", "name")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text()))
        op.create_index("ix_user_name", "user_account", ["name"])

    def downgrade():
        op.drop_index("ix_user_name", table_name="user_account")
        op.drop_column("user_account", "name")
    ```
    """
    for step in result.steps:
        if step.ok or step.timeout:
            continue
        if step.phase == "env":
            yield upgrade_fails.finding(
                f"env.py fails before any migration runs: {headline(step.error)}",
                at=revision_location(project, "", step.line),
                hint=step.hint or "run `alembic upgrade head` against a scratch database to reproduce; fix env.py",
                details=step_details(step),
                anchor="env",
            )
        elif step.phase == "upgrade" and not step.with_data:
            untested = sorted(r for r, why in result.untested.items() if f"`{step.revision}`" in why)
            yield upgrade_fails.finding(
                f"Upgrade of `{step.revision}` fails: {headline(step.error)}",
                at=revision_location(project, step.revision, step.line, "upgrade"),
                hint="fix upgrade(); the failing SQL and the database error are below"
                + (f" ({len(untested)} later revision(s) could not be tested)" if untested else ""),
                details=step_details(step),
                anchor=step.revision,
            )
