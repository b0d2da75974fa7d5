from alembic_guard.findings import Severity
from alembic_guard.rules._registry import project_rule

_KINDS = {"syntax", "encoding", "empty", "unreadable", "too-large", "not-a-revision"}


@project_rule("AG003", "unreadable-revision-file", severity=Severity.ERROR)
def unreadable_revision_file(project):
    """A file in a versions folder that cannot be read as a revision.

    ## What it does
    Flags files in the version locations that do not parse as Python, are not UTF-8, are empty,
    cannot be read, or have no module-level `revision = "..."`.

    ## Why is this bad?
    Alembic loads every `.py` file in its version locations. A file it cannot load stops every
    `alembic` command — `upgrade` at deploy time included — with an error about that file.

    ## Example
    ```python
    revision = "a1"
    down_revision = None
    def upgrade(:
        pass
    ```

    ## Use instead
    ```python
    revision = "a1"
    down_revision = None
    def upgrade():
        pass
    ```
    """
    for problem in project.problems:
        if problem.kind in _KINDS:
            yield unreadable_revision_file.finding(
                problem.message, at=problem.location, hint=problem.hint, anchor=problem.kind
            )
