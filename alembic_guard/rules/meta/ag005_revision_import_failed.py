from alembic_guard.findings import Severity
from alembic_guard.rules._registry import Requires, project_rule


@project_rule("AG005", "revision-import-failed", severity=Severity.ERROR, requires=Requires.IMPORT)
def revision_import_failed(project):
    """Alembic's own loader cannot load a revision file (`--import` only).

    ## What it does
    With `--import`, alembic-guard loads every revision file with Alembic's loader in a separate
    process with a time limit, exactly as `alembic heads` would, and flags each file that raises
    (an `ImportError` of an application module, a `KeyError` on a missing setting, `sys.exit()`),
    or that does not finish loading within `import-timeout` seconds.

    ## Why is this bad?
    Every `alembic` command imports all revision files first. One file that fails to import
    stops `alembic upgrade` at deploy time, even when it is not the revision being applied.

    ## Example
    ```python
    from myapp.models import User  # the application is not installed where migrations run

    revision = "a1"
    down_revision = None
    ```

    ## Use instead
    ```python
    import sqlalchemy as sa  # revisions describe the schema with sa/op only

    revision = "a1"
    down_revision = None
    ```
    """
    for problem in project.import_problems:
        yield revision_import_failed.finding(problem.message, at=problem.location, hint=problem.hint, anchor=problem.kind)
