from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG110", "duplicate-branch-label", severity=Severity.ERROR)
def duplicate_branch_label(graph, project):
    """Two revisions declare the same branch label.

    ## What it does
    Flags a branch label that more than one revision declares in `branch_labels`.

    ## Why is this bad?
    A branch label must name one branch. Alembic refuses to load the history ("Branch name
    'x' in revision b already used by revision a"), so nothing can be migrated.

    ## Example
    ```python
    # versions/a_plugin_base.py
    revision = "a"
    down_revision = None
    branch_labels = ("plugin",)
    # versions/b_other_base.py
    revision = "b"
    down_revision = None
    branch_labels = ("plugin",)
    ```

    ## Use instead
    ```python
    # versions/a_plugin_base.py
    revision = "a"
    down_revision = None
    branch_labels = ("plugin",)
    # versions/b_other_base.py
    revision = "b"
    down_revision = None
    branch_labels = ("reports",)
    ```
    """
    for label, owners in graph.duplicate_labels.items():
        locs = [graph[o].location for o in owners if graph[o].location is not None]
        yield duplicate_branch_label.finding(
            f"Branch label `{label}` is declared by {len(owners)} revisions: {', '.join(f'`{o}`' for o in owners)}",
            at=locs[-1] if locs else project.config_location(),
            related=locs[:-1],
            hint="keep the label on the branch's first revision only; later revisions of the branch inherit it",
            anchor=f"label {label}",
        )
