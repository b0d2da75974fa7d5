from alembic_guard.findings import Location, Severity
from alembic_guard.project import linear_marker
from alembic_guard.rules._registry import project_rule


@project_rule("AG111", "stale-linear-history-marker", severity=Severity.ERROR)
def stale_linear_history_marker(project):
    """The linear-history marker (`versions/HEAD`) does not name the current head.

    ## What it does
    When the project opted in to a linear-history marker (a committed `HEAD` file in the versions
    folder, written by `alembic-guard linear-history update`), checks that it names exactly the
    current head(s). Projects without the file are not affected.

    ## Why is this bad?
    The marker turns two parallel migrations into a git merge conflict only if every new revision
    updates it. A revision committed without updating the marker silently switches that protection
    off — the next parallel migration merges cleanly and leaves two heads.

    ## Example
    ```text
    # versions/HEAD, while the newest revision is `c` (revises `b`)
    b
    ```

    ## Use instead
    ```text
    # versions/HEAD, updated with `alembic-guard linear-history update`
    c
    ```
    """
    state = linear_marker.read(project)
    if not state.stale:
        return
    rel = project.relpath(state.path)
    wrong = [h for h in state.listed if h not in state.expected]
    line = state.line_of.get(wrong[0]) if wrong else None
    listed = ", ".join(f"`{h}`" for h in state.listed) or "nothing"
    heads = ", ".join(f"`{h}`" for h in state.expected) or "no revision"
    yield stale_linear_history_marker.finding(
        f"`{rel}` names {listed} but the head is {heads}",
        at=Location(rel, line, 1 if line else None),
        hint="run `alembic-guard linear-history update` and commit the marker with the new revision",
        anchor="stale marker",
    )
