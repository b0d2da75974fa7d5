from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG102", "missing-down-revision", severity=Severity.ERROR)
def missing_down_revision(graph, project):
    """A revision's `down_revision` names a revision that does not exist.

    ## What it does
    Flags each `down_revision` entry that matches no revision in the version locations —
    typically because its file was deleted or renamed away, or the id was mistyped.

    ## Why is this bad?
    Alembic cannot build the history: every command fails with "Revision X referenced from Y
    is not present" (or a bare `KeyError`), and the revision and everything after it can never
    be applied.

    ## Example
    ```python
    # versions/b_add_email.py
    revision = "b"
    down_revision = "deleted_rev"
    ```

    ## Use instead
    ```python
    # versions/a_create_user.py
    revision = "a"
    down_revision = None
    # versions/b_add_email.py
    revision = "b"
    down_revision = "a"
    ```
    """
    known = sorted(graph.revisions)
    for rid, missing in graph.dangling:
        rev = graph[rid]
        near = [k for k in known if k.startswith(missing) or missing.startswith(k)]
        cut = len(graph.descendants(rid))
        after = f"; it and {cut} later revision{'s' if cut != 1 else ''} cannot be applied" if cut else "; it cannot be applied"
        if near:
            hint = f"did you mean `{near[0]}`? Set `down_revision` to an existing revision id"
        else:
            hint = "restore the deleted revision file, or point `down_revision` at the revision this one really follows (`alembic-guard graph` lists them)"
        yield missing_down_revision.finding(
            f"Revision `{rid}` names down_revision `{missing}`, which does not exist{after}",
            at=rev.location or project.config_location(),
            hint=hint,
            anchor=f"{rid}->{missing}",
        )
