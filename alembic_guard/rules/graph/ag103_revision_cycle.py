from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG103", "revision-cycle", severity=Severity.ERROR)
def revision_cycle(graph, project):
    """The revision history contains a cycle.

    ## What it does
    Flags revisions that are, through their `down_revision` chains, their own ancestors. Every
    revision on the cycle is named. It also flags cycles that `depends_on` closes: a revision
    that depends on itself (or on its own branch label), or on one of its descendants.

    ## Why is this bad?
    A migration history must be a directed acyclic graph. Alembic refuses to load it
    ("Cycle is detected in revisions"; through `depends_on`: "Dependency self-loop is detected" /
    "Dependency cycle is detected"), so nothing can be upgraded or downgraded.

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
    for members in graph.dependency_cycles:
        locs = [graph[m].location for m in members if graph[m].location is not None]
        if len(members) == 1 and members[0] in graph[members[0]].depends_on:
            message = (
                f"Revision `{members[0]}` depends on itself (`depends_on`): Alembic raises "
                f"DependencyLoopDetected (\"Dependency self-loop is detected in revisions ({members[0]})\")"
            )
            hint = "remove its own id from `depends_on`"
        elif len(members) == 1:
            message = (
                f"Revision `{members[0]}` depends on its own branch label (`depends_on`): Alembic raises "
                f"DependencyCycleDetected (\"Dependency cycle is detected in revisions ({members[0]})\")"
            )
            hint = "remove its own branch label from `depends_on`"
        else:
            names = ", ".join(f"`{m}`" for m in members)
            message = (
                f"Revisions {names} form a cycle through `depends_on`: Alembic raises DependencyCycleDetected "
                f"(\"Dependency cycle is detected in revisions ({', '.join(members)})\")"
            )
            hint = "a revision can depend only on revisions applied before it: drop the `depends_on` entry that points at a later revision"
        yield revision_cycle.finding(
            message,
            at=locs[0] if locs else project.config_location(),
            related=locs[1:],
            hint=hint,
            anchor="depends_on cycle " + ",".join(members),
        )
