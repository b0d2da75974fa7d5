import ast

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import migration_rule


def _declared_floor(project) -> tuple[str, ...]:
    """`minimum-downgrade-revision` and its ancestors: revisions the project declares are never
    downgraded ([tool.alembic-guard]; a unique prefix counts, an unknown id declares nothing)."""
    wanted = project.settings.minimum_downgrade_revision
    if not wanted:
        return ()

    def compute(project) -> tuple[str, ...]:
        graph = project.graph
        known = graph.upgrade_order()
        matches = [r for r in known if r == wanted] or [r for r in known if r.startswith(wanted)]
        if len(matches) != 1:
            return ()
        return tuple(sorted({matches[0]} | set(graph.ancestors(matches[0]))))

    return project.analysis("ag108-declared-floor", compute)


@migration_rule("AG108", "irreversible-downgrade", severity=Severity.WARNING, project_facts=_declared_floor)
def irreversible_downgrade(migration, project):
    """A revision whose `downgrade()` is missing, empty or raises NotImplementedError.

    ## What it does
    Flags revisions that change the schema in `upgrade()` but cannot be undone: `downgrade()` is
    missing, its body is only `pass` / `...` / a docstring, or it raises `NotImplementedError`.
    A revision whose `upgrade()` is empty too (a merge revision, a placeholder) is not flagged, nor
    an empty `downgrade()` under an `upgrade()` that only reads (a check that SELECTs and asserts:
    no `op.*` operation, every `execute()` a literal SELECT or a `select(...)`).

    ## Why is this bad?
    `alembic downgrade` is the rollback plan when a deploy goes wrong. An empty downgrade
    "succeeds" and records the older revision while the schema keeps the new table or column,
    so the database and the version table now disagree; a missing one fails in the middle of a
    multi-step rollback.

    ## Example
    ```python
    def upgrade():
        op.add_column("user", sa.Column("email", sa.Text()))


    def downgrade():
        pass
    ```

    ## Use instead
    ```python
    def upgrade():
        op.add_column("user", sa.Column("email", sa.Text()))


    def downgrade():
        op.drop_column("user", "email")
    ```

    ## When to ignore
    A revision that truly cannot be reversed (a destructive data migration) should say so:
    raise `NotImplementedError("why")` and suppress this finding with a reason,
    `# alembic-guard: ignore[AG108] data cannot be restored`. A project that never downgrades
    below some revision declares it once, `minimum-downgrade-revision = "<id>"` in
    `[tool.alembic-guard]` (as pytest-alembic's option of that name): that revision and its
    ancestors are not flagged, and the round trip does not downgrade them.
    """
    if not migration.body_analysed or migration.revision_id is None:
        return
    if migration.revision_id in _declared_floor(project):
        return  # declared never to be downgraded: minimum-downgrade-revision
    upgrade = migration.function("upgrade")
    if upgrade is None or _is_empty(upgrade.body):
        return
    downgrade = migration.function("downgrade")
    if downgrade is None:
        yield irreversible_downgrade.finding(
            f"Revision `{migration.revision_id}` has an `upgrade()` but no `downgrade()`",
            at=migration.location(upgrade.lineno),
            hint="add a downgrade() that undoes upgrade() — Alembic fails mid-rollback without it",
            anchor="missing",
        )
        return
    raiser = _raises_not_implemented(downgrade.body)
    if raiser is not None:
        yield irreversible_downgrade.finding(
            f"`downgrade()` of `{migration.revision_id}` raises NotImplementedError: the revision cannot be rolled back",
            at=migration.location(raiser.lineno),
            hint="write the reverse operations; if the change truly cannot be undone, suppress with a reason",
            anchor="not-implemented",
        )
    elif _is_empty(downgrade.body) and not _reads_only(upgrade):
        yield irreversible_downgrade.finding(
            f"`downgrade()` of `{migration.revision_id}` does nothing, but `upgrade()` changes the schema",
            at=migration.location(downgrade.lineno),
            hint="write the reverse operations of upgrade() (for example drop what it creates)",
            anchor="empty",
        )


def _is_empty(body: list[ast.stmt]) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
            isinstance(stmt.value.value, str) or stmt.value.value is Ellipsis
        ):
            continue
        return False
    return True


def _raises_not_implemented(body: list[ast.stmt]) -> ast.Raise | None:
    """The top-level `raise NotImplementedError(...)` of a function body, if any."""
    for stmt in body:
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return stmt
            if isinstance(exc, ast.Attribute) and exc.attr == "NotImplementedError":
                return stmt
    return None


_READS = ("select", "with", "show", "explain")
_OP_READERS = ("get_bind", "get_context")


def _reads_only(func: ast.FunctionDef) -> bool:
    """`upgrade()` changes nothing: no `op.*` call but get_bind/get_context, and every
    `execute()` runs a literal SELECT (or `select(...)`)."""
    for node in ast.walk(func):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr = node.func
        if isinstance(attr.value, ast.Name) and attr.value.id == "op" and attr.attr not in _OP_READERS:
            return False
        if attr.attr in ("execute", "exec_driver_sql") and not (node.args and _is_read(node.args[0])):
            return False
    return True


def _is_read(arg: ast.expr) -> bool:
    if isinstance(arg, ast.Call):
        name = arg.func.attr if isinstance(arg.func, ast.Attribute) else getattr(arg.func, "id", "")
        if name == "select":
            return True
        if name == "text" and arg.args:
            return _is_read(arg.args[0])
        return False
    return isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.lstrip().lower().startswith(_READS)
