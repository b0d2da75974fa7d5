from alembic_guard.findings import Severity
from alembic_guard.project.problems import PROBLEM_SEVERITY, SKIP_KINDS
from alembic_guard.rules._registry import project_rule


@project_rule("AG005", "skipped-version-entry", severity=Severity.WARNING)
def skipped_version_entry(project):
    """Something in the version locations that is skipped — by Alembic, or by this check.

    ## What it does
    Flags what Alembic silently ignores or what alembic-guard could not fully read: revision
    files in a sub-folder of a version location while `recursive_version_locations` is off, a
    configured version location that does not exist (a typo, or the wrong `path_separator`), a
    symlinked folder in a recursive location (Alembic does not follow it), a directory named
    like a revision file, a FIFO or device file, a revision file too large to analyse beyond its
    header, and (as info) version locations without any revision file.

    ## Why is this bad?
    Revisions in a skipped place are invisible to `alembic upgrade`: the schema silently lacks
    them, and their children fail with a missing parent.

    ## Example
    ```python
    # versions/a1_create_user.py
    revision = "a1"
    down_revision = None
    # versions/2024/b2_add_email.py
    revision = "b2"
    down_revision = "a1"
    ```

    ## Use instead
    ```python
    # versions/a1_create_user.py
    revision = "a1"
    down_revision = None
    # versions/b2_add_email.py
    revision = "b2"
    down_revision = "a1"
    ```
    (or keep the sub-folder and set `recursive_version_locations = true` in alembic.ini)

    Sub-folders that are each a complete, independent history (`versions/postgresql`,
    `versions/sqlite`: the project picks one at run time) are the exception: recursion would merge
    them into duplicate ids and several bases, so the hint says so. When the project's own code
    sets `version_locations`, discovery reads such folders as the project does — independent
    histories as one environment each, chained release folders as one history with an info
    finding from this rule (see docs/environments.md).
    """
    for problem in project.problems:
        if problem.kind in SKIP_KINDS:
            yield skipped_version_entry.finding(
                problem.message,
                at=problem.location,
                hint=problem.hint,
                anchor=f"{problem.kind} {problem.location.path}",
                severity=PROBLEM_SEVERITY.get(problem.kind),
            )
