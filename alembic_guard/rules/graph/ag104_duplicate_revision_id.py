from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG104", "duplicate-revision-id", severity=Severity.ERROR)
def duplicate_revision_id(graph, project):
    """Two revision files declare the same revision id.

    ## What it does
    Flags every revision id that more than one file declares, naming all the files.

    ## Why is this bad?
    Alembic keeps one of them and warns, so the other migration silently never runs — or the
    history is built from the wrong file. It usually happens when a revision file is copied to
    start a new one, or when two branches cherry-pick the same migration.

    ## Example
    ```python
    # versions/a_create_user.py
    revision = "a"
    down_revision = None
    # versions/a_copy_add_email.py
    revision = "a"
    down_revision = None
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
    for rid, revs in graph.duplicates.items():
        locs = [r.location for r in revs if r.location is not None]
        yield duplicate_revision_id.finding(
            f"Revision id `{rid}` is declared by {len(revs)} files",
            at=locs[-1] if locs else project.config_location(),
            related=locs[:-1],
            hint="give the copied revision a new id (`alembic revision` generates one) and fix its `down_revision`",
            anchor=f"duplicate {rid}",
        )
