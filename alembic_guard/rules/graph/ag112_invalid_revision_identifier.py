from alembic_guard.findings import Severity
from alembic_guard.graph.revision import EMPTY_ID, NOT_A_STRING
from alembic_guard.rules._registry import graph_rule

# What Alembic (1.20) does with each malformed identifier, for the message.
_ALEMBIC_SAYS = {
    ("down_revision", EMPTY_ID): "every command fails with `KeyError: ''` while building the history",
    ("depends_on", EMPTY_ID): (
        "every command fails while building the history (`depends_on = \"\"` raises DependencyCycleDetected, "
        "an empty entry in a tuple `KeyError: ''`)"
    ),
    ("down_revision", NOT_A_STRING): "every command fails with a TypeError while building the history",
    ("depends_on", NOT_A_STRING): "every command fails with a KeyError while building the history",
    ("branch_labels", NOT_A_STRING): "`alembic heads`, `history` and `branches` fail with `TypeError: sequence item 0: expected str instance`",
    ("branch_labels", EMPTY_ID): "Alembic accepts it, but the label names nothing (`alembic heads` shows `a () (head)`)",
}


@graph_rule("AG112", "invalid-revision-identifier", severity=Severity.ERROR)
def invalid_revision_identifier(graph, project):
    """A revision header names an empty or non-string identifier.

    ## What it does
    Flags `down_revision`, `depends_on` and `branch_labels` values that hold an empty string
    (`down_revision = ""`, `("a", "")`), or an item that is not a string (`branch_labels = 5`,
    `depends_on = ("a", 3)`). An empty branch label is a warning: Alembic tolerates it, but it
    names nothing; every other case is an error.

    ## Why is this bad?
    Alembic looks each identifier up when it builds the history. `down_revision = ""` is not
    "no parent" (that is `None`): it is a parent named `""`, and every command fails with
    `KeyError: ''` (a number: `TypeError`); an empty `depends_on` fails with
    DependencyCycleDetected (or `KeyError: ''` inside a tuple). A numeric branch label loads, but
    `alembic heads`, `alembic history` and `alembic branches` fail with a `TypeError` when they
    print it.

    ## Example
    ```python
    revision = "a1b2c3"
    down_revision = ""
    branch_labels = 5
    ```

    ## Use instead
    ```python
    revision = "a1b2c3"
    down_revision = None
    branch_labels = ("billing",)
    ```

    ## When to ignore
    Never for the errors: the history does not load. An empty branch label (a warning) is
    harmless but useless: remove it.
    """
    for rid, field, kind, shown in graph.header_defects:
        says = _ALEMBIC_SAYS.get((field, kind))
        if says is None:
            continue  # a label repeated within one revision: AG110
        rev = graph[rid]
        what = "an empty identifier" if kind == EMPTY_ID else "a value that is not a string"
        if field == "down_revision" and kind == EMPTY_ID:
            hint = "write `down_revision = None` for a first revision (an empty string is a parent named '')"
        elif field == "branch_labels":
            hint = "write the label as a non-empty string: `branch_labels = (\"billing\",)`, or `None`"
        else:
            hint = f"remove the empty entry, or name a revision id as a string in `{field}`"
        yield invalid_revision_identifier.finding(
            f"Revision `{rid}`: `{field}` holds {what} ({shown}); {says}",
            at=rev.location or project.config_location(),
            hint=hint,
            anchor=f"{rid} {field} {kind} {shown}",
            severity=Severity.WARNING if (field, kind) == ("branch_labels", EMPTY_ID) else None,
        )
