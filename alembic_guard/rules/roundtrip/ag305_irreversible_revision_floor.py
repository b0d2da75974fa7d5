from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import revision_location


@roundtrip_rule("AG305", "irreversible-revision-floor", severity=Severity.INFO)
def irreversible_revision_floor(result, project):
    """An irreversible revision is a floor: the round trip never downgrades below it.

    ## What it does
    Notes, once per revision, that a revision has no `downgrade()` or one that raises
    NotImplementedError. The round trip upgrades it but does not attempt its downgrade.

    ## Why is this bad?
    It is not, when deliberate. It is information: a rollback past this revision needs a
    restore from backup, and the team should know where that line is.

    ## Example
    ```python
    def upgrade():
        op.execute("UPDATE user_account SET email = lower(email)")

    def downgrade():
        raise NotImplementedError("data migration: restore from backup")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text()))

    def downgrade():
        op.drop_column("user_account", "name")
    ```
    """
    walked = set(result.walked)
    for rev, how in sorted(result.irreversible.items()):
        if rev not in walked:
            continue
        found = "its downgrade raised NotImplementedError" if how == "runtime" else "its downgrade() is missing or raises NotImplementedError"
        yield irreversible_revision_floor.finding(
            f"Revision `{rev}` is irreversible ({found}): downgrades stop here",
            at=revision_location(project, rev, None, "downgrade"),
            hint="make sure the runbook says a rollback past this revision needs a backup restore",
            anchor=rev,
        )
