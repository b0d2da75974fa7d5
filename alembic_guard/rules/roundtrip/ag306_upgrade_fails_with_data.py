from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import headline, revision_location, step_details


@roundtrip_rule("AG306", "upgrade-fails-with-data", severity=Severity.ERROR)
def upgrade_fails_with_data(result, project):
    """An upgrade works on empty tables but fails once the tables hold rows (`--with-data`).

    ## What it does
    With `--with-data`, puts a few synthetic rows into every table before each upgrade (values
    that respect types, NOT NULL, unique constraints, enums and foreign keys). Reports upgrades
    that fail with rows present but pass on empty tables.

    ## Why is this bad?
    CI databases are empty; production is not. Adding a NOT NULL column without a default, or a
    unique constraint over duplicated values, passes every test and fails the deploy.

    ## Example
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text(), nullable=False))

    def downgrade():
        op.drop_column("user_account", "name")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text(), nullable=False, server_default=""))

    def downgrade():
        op.drop_column("user_account", "name")
    ```
    """
    for step in result.steps:
        if step.phase != "upgrade" or step.ok or not step.with_data or step.timeout:
            continue
        plain = result.step(step.revision, "upgrade", with_data=False)
        if plain is None or not plain.ok:
            continue  # fails on empty tables too: AG301
        yield upgrade_fails_with_data.finding(
            f"Upgrade of `{step.revision}` fails when its tables hold rows: {headline(step.error)}",
            at=revision_location(project, step.revision, step.line, "upgrade"),
            hint="give new NOT NULL columns a server_default (or add nullable, backfill, then set NOT NULL); deduplicate before adding unique constraints",
            details=step_details(step),
            anchor=step.revision,
        )
