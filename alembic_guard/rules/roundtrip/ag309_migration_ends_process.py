from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import FUNC, revision_location


@roundtrip_rule("AG309", "migration-ends-process", severity=Severity.ERROR)
def migration_ends_process(result, project):
    """A migration (or env.py) ended the process running it: `os._exit()`, a crash, a kill.

    ## What it does
    The round trip runs env.py and the migrations in a child process of alembic-guard. When that
    process ends without handing back a result (a revision calls `os._exit()` or `sys.exit()`
    from a thread, a C extension segfaults, the out-of-memory killer or a signal ends it), this
    rule reports the revision and step that was running, and how the process ended. The
    throwaway database is dropped as always; the later revisions are listed as not tested.

    ## Why is this bad?
    `alembic upgrade` would end the same way at deploy time, half way through the history,
    usually without an error message. Without this rule such a run would look clean.

    ## Example
    ```python
    import os

    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text()))
        os._exit(0)

    def downgrade():
        op.drop_column("user_account", "name")
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user_account", sa.Column("name", sa.Text()))

    def downgrade():
        op.drop_column("user_account", "name")
    ```

    ## When to ignore
    Never: the run did not finish, so the other round-trip rules saw only part of the history.
    """
    died = getattr(result, "died", None)
    if not died:
        return
    rev, phase = died.get("revision") or "", died.get("phase") or "env"
    what = {"reupgrade": "re-upgrade", "catchup": "catch-up upgrade", "env": "env.py"}.get(phase, phase)
    subject = f"the {what} of `{rev}`" if rev else "env.py"
    untested = len(result.untested)
    yield migration_ends_process.finding(
        f"The process running the migrations {died.get('how', 'ended')} during {subject}",
        at=revision_location(project, rev, None, FUNC.get(phase)),
        hint="remove the os._exit()/sys.exit() or the crashing call from the migration; run `alembic upgrade` "
        "against a scratch database to reproduce" + (f" ({untested} later revision(s) were not tested)" if untested else ""),
        anchor=f"{rev} {phase} died",
    )
