from alembic_guard.findings import Severity
from alembic_guard.graph.revision import REPEATED
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG110", "duplicate-branch-label", severity=Severity.ERROR)
def duplicate_branch_label(graph, project):
    """Two revisions declare the same branch label.

    ## What it does
    Flags a branch label that more than one revision declares in `branch_labels`, a label
    written twice in one revision's `branch_labels`, and a label that is also a revision id
    (the revision's own or another's).

    ## Why is this bad?
    A branch label must name one branch. Alembic refuses to load the history ("Branch name
    'x' in revision b already used by revision a"), so nothing can be migrated. Labels and
    revision ids share one namespace, so a label equal to an id is the same error.

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
    for rid, field, kind, shown in graph.header_defects:
        if field == "branch_labels" and kind == REPEATED:
            rev = graph[rid]
            yield duplicate_branch_label.finding(
                f"Branch label {shown} is written twice in revision `{rid}`'s branch_labels: Alembic raises "
                f"RevisionError (\"Branch name {shown} in revision {rid} already used by revision {rid}\")",
                at=rev.location or project.config_location(),
                hint="write each label once",
                anchor=f"label {shown} repeated in {rid}",
            )
    for rid, label in graph.label_collisions:
        rev = graph[rid]
        other = graph[label]
        whose = "its own revision id" if label == rid else f"the id of revision `{label}`"
        yield duplicate_branch_label.finding(
            f"Branch label `{label}` of revision `{rid}` is {whose}: Alembic raises RevisionError "
            f"(\"Branch name '{label}' in revision {rid} already used by revision {label}\")",
            at=rev.location or project.config_location(),
            related=[other.location] if other.location is not None and label != rid else [],
            hint="give the branch a name that is not a revision id (labels and ids share one namespace)",
            anchor=f"label {label} is a revision id",
        )
