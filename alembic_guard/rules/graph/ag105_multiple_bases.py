from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG105", "multiple-bases", severity=Severity.WARNING)
def multiple_bases(graph, project):
    """The history has a stray second base.

    ## What it does
    Flags a history with more than one base (a revision with `down_revision = None`) when the
    bases are not told apart by branch labels. Independent trees that each carry their own
    branch label (`alembic revision --head=base --branch-label=plugin`) are intentional and not
    flagged.

    ## Why is this bad?
    A second unlabelled base is almost always a revision generated against an empty versions
    folder or with a `down_revision` deleted by mistake. On an existing database its tables are
    created out of order, and `alembic upgrade head` usually also meets two heads.

    ## Example
    ```python
    # versions/a_create_user.py
    revision = "a"
    down_revision = None
    # versions/b_add_email.py
    revision = "b"
    down_revision = "a"
    # versions/c_create_order.py
    revision = "c"
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
    # versions/c_create_order.py
    revision = "c"
    down_revision = "b"
    ```
    """
    groups: dict[str | None, list[str]] = {}
    for base in graph.bases:
        labels = graph.labels_of(base)
        if not labels:
            groups.setdefault(None, []).append(base)
        for label in labels:
            groups.setdefault(label, []).append(base)
    for label, bases in groups.items():
        if len(bases) < 2:
            continue
        locs = [graph[b].location for b in bases if graph[b].location is not None]
        where = f"Branch `{label}`" if label else "The history"
        # the stray base is usually the newest one: point at it, relate the others
        yield multiple_bases.finding(
            f"{where} has {len(bases)} bases: {', '.join(f'`{b}`' for b in bases)}",
            at=locs[-1] if locs else project.config_location(),
            related=locs[:-1],
            hint="set the stray base's `down_revision` to the revision it follows, or give each independent tree its own branch label",
            anchor=f"bases {label or ''}",
        )
