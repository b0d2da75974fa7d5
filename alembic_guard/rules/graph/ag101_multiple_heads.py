from alembic_guard.findings import Severity
from alembic_guard.rules._registry import graph_rule


@graph_rule("AG101", "multiple-heads", severity=Severity.ERROR)
def multiple_heads(graph, project):
    """The revision history has more than one head.

    ## What it does
    Flags a history with two or more heads (revisions nothing builds on) that are not told apart
    by branch labels. Heads that each carry their own branch label — the expand/contract or
    plugin-tree layouts — are intentional and are not flagged; a label with two heads is.

    Severity: error, or warning when some revision's `branch_labels` could not be read statically
    (AG004): the heads may be labelled branches by design, which the message then says.

    ## Why is this bad?
    `alembic upgrade head` stops with "Multiple head revisions are present for given argument
    'head'" — usually at deploy time, after two branches that each added a migration were merged.

    ## Example
    ```python
    # versions/a_create_user.py
    revision = "a"
    down_revision = None
    # versions/b_add_email.py
    revision = "b"
    down_revision = "a"
    # versions/c_add_phone.py
    revision = "c"
    down_revision = "a"
    ```

    ## Use instead
    ```python
    # versions/d_merge.py  (`alembic-guard merge-heads` or `alembic merge heads -m "merge"`)
    revision = "d"
    down_revision = ("b", "c")
    ```
    """
    by_label = graph.heads_by_label()
    unread = sorted(str(m.relpath) for m in getattr(project, "migrations", ())
                    if "branch_labels" in getattr(m, "unresolved", {}))
    for label, heads in by_label.items():
        if len(heads) < 2:
            continue
        guess = (f" (branch labels of {len(unread)} revision{'s' if len(unread) > 1 else ''} could not be read"
                 f" statically, e.g. `{unread[0]}`: labelled branches may be intended; see AG004)") if unread else ""
        where = f"branch `{label}`" if label else "the history"
        locs = [graph[h].location for h in heads if graph[h].location is not None]
        first = locs[0] if locs else project.config_location()
        yield multiple_heads.finding(
            f"{where[0].upper()}{where[1:]} has {len(heads)} heads: {', '.join(f'`{h}`' for h in heads)}{guess}",
            at=first,
            severity=Severity.WARNING if unread else None,
            related=locs[1:],
            hint="merge them: `alembic-guard merge-heads` (or `alembic merge heads -m \"merge heads\"`), "
            "or re-parent the newer revision onto the other head",
            anchor=f"heads {label or ''}",
        )
