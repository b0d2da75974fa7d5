from alembic_guard.findings import Severity
from alembic_guard.project.loader import PROBLEM_SEVERITY, SKIP_KINDS
from alembic_guard.rules._registry import project_rule


@project_rule("AG006", "skipped-version-entry", severity=Severity.WARNING)
def skipped_version_entry(project):
    """Something in the version locations that is skipped — by Alembic, or by this check.

    ## What it does
    Flags what Alembic silently ignores or what alembic-guard could not fully read: a configured
    version location that does not exist, a symlinked folder in a recursive location (Alembic
    does not follow it), a directory named like a revision file, a FIFO or device file, a
    revision file too large to analyse beyond its header, and (as info) version locations
    without any revision file.

    ## Why is this bad?
    Revisions in a skipped place are invisible to `alembic upgrade`: the schema silently lacks
    them. A misspelt `version_locations` entry or a wrong `path_separator` looks exactly like
    this.

    ## Example
    ```ini
    [alembic]
    script_location = %(here)s/migrations
    version_locations = %(here)s/migrations/versions %(here)s/plugins/versoins
    ```

    ## Use instead
    ```ini
    [alembic]
    script_location = %(here)s/migrations
    path_separator = space
    version_locations = %(here)s/migrations/versions %(here)s/plugins/versions
    ```
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
