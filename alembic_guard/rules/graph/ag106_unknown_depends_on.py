from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG106", "unknown-depends-on", severity=Severity.ERROR)
def unknown_depends_on(graph, project):
    """A revision's `depends_on` names no known revision or branch label.

    ## What it does
    Flags each `depends_on` entry that matches neither a revision id nor a branch label.

    ## Why is this bad?
    Alembic resolves `depends_on` when it builds the history; an unknown target makes every
    command fail ("Revision X referenced from Y is not present"), usually after the dependency's
    file was deleted or its id was mistyped.

    ## Example
    ```python
    # versions/a_create_user.py
    revision = "a"
    down_revision = None
    # versions/b_add_audit.py
    revision = "b"
    down_revision = "a"
    depends_on = "zzz"
    ```

    ## Use instead
    ```python
    # versions/a_create_user.py
    revision = "a"
    down_revision = None
    # versions/b_add_audit.py
    revision = "b"
    down_revision = "a"
    depends_on = "a"
    ```
    """
    for rid, dep in graph.unknown_depends_on:
        rev = graph[rid]
        yield unknown_depends_on.finding(
            f"Revision `{rid}` depends on `{dep}`, which is neither a revision nor a branch label",
            at=rev.location or project.config_location(),
            hint="point `depends_on` at an existing revision id or branch label, or remove it",
            anchor=f"{rid} depends_on {dep}",
        )
