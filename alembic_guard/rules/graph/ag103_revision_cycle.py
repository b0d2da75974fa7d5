from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG103", "revision-cycle", severity=Severity.ERROR)
def revision_cycle(graph, project):
    """The revision history contains a cycle.

    ## What it does
    Flags revisions that are, through their `down_revision` chains, their own ancestors. Every
    revision on the cycle is named.

    ## Why is this bad?
    A migration history must be a directed acyclic graph. Alembic refuses to load it
    ("Cycle is detected in revisions"), so nothing can be upgraded or downgraded.

    ## Example
    ```python
    # versions/a_first.py
    revision = "a"
    down_revision = "b"
    # versions/b_second.py
    revision = "b"
    down_revision = "a"
    ```

    ## Use instead
    ```python
    # versions/a_first.py
    revision = "a"
    down_revision = None
    # versions/b_second.py
    revision = "b"
    down_revision = "a"
    ```
    """
    for members in graph.cycles:
        locs = [graph[m].location for m in members if graph[m].location is not None]
        names = ", ".join(f"`{m}`" for m in members)
        if len(members) == 1:
            message = f"Revision `{members[0]}` names itself as its down_revision"
        else:
            message = f"Revisions {names} form a cycle"
        yield revision_cycle.finding(
            message,
            at=locs[0] if locs else project.config_location(),
            related=locs[1:],
            hint="break the cycle: one of these revisions must have a `down_revision` outside it (the revision it was really created after)",
            anchor="cycle " + ",".join(members),
        )
