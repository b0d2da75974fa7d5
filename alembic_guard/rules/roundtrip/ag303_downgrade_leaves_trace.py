import ast

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import roundtrip_rule
from alembic_guard.rules.roundtrip._common import revision_location


@roundtrip_rule("AG303", "downgrade-leaves-trace", severity=Severity.ERROR)
def downgrade_leaves_trace(result, project):
    """After a revision's downgrade, the schema is not what it was before its upgrade.

    ## What it does
    Snapshots the schema (tables, columns with type / nullability / default, indexes, unique,
    check and foreign-key constraints, sequences, PostgreSQL enum types and schemas) before each
    upgrade and after the matching downgrade, and shows the difference. `+` lines were left
    behind, `-` lines were lost, `~` lines changed.

    ## Why is this bad?
    A downgrade that leaves an enum type or an index behind makes the next upgrade fail with
    "type already exists" — on the day you roll back and forward again.

    ## Example
    ```python
    def upgrade():
        status = sa.Enum("active", "banned", name="user_status")
        status.create(op.get_bind())
        op.add_column("user_account", sa.Column("status", status))

    def downgrade():
        op.drop_column("user_account", "status")  # the type user_status stays
    ```

    A `downgrade()` that is only `pass` is the common case: the hint then says so. When a revision
    is deliberately one-way, say it: raise NotImplementedError in `downgrade()` (AG305, info), or set
    `minimum-downgrade-revision` in `[tool.alembic-guard]` (docs/pytest-alembic.md).

    ## Use instead
    ```python
    def upgrade():
        status = sa.Enum("active", "banned", name="user_status")
        status.create(op.get_bind())
        op.add_column("user_account", sa.Column("status", status))

    def downgrade():
        op.drop_column("user_account", "status")
        sa.Enum(name="user_status").drop(op.get_bind())
    ```
    """
    for step in result.steps:
        if step.phase == "downgrade" and step.ok and step.diff:
            lines = step.diff.splitlines()
            names = [line[2:].split(":", 1)[0] for line in lines]
            shown = ", ".join(f"`{n}`" for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            yield downgrade_leaves_trace.finding(
                f"Downgrade of `{step.revision}` leaves a trace: {shown}",
                at=revision_location(project, step.revision, None, "downgrade"),
                hint=_hint(project, step.revision),
                details="schema after downgrade vs before upgrade:\n" + step.diff,
                anchor=step.revision,
            )


def _hint(project, revision: str) -> str:
    fix = "make downgrade() drop what upgrade() created (+) and restore what it dropped (-)"
    mig = project.by_revision.get(revision)
    func = mig.functions.get("downgrade") if mig is not None else None
    if func is not None and all(_inert(stmt) for stmt in func.body):
        return (f"downgrade() is empty: {fix}; if the revision is one-way on purpose, raise NotImplementedError "
                "there or set minimum-downgrade-revision in [tool.alembic-guard]")
    return fix


def _inert(stmt: ast.stmt) -> bool:
    """`pass`, `...` or a docstring."""
    return isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
