import ast
import re

from alembic_guard.findings import Severity
from alembic_guard.ops import operations
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


@migration_rule("AG108", "irreversible-downgrade", severity=Severity.WARNING,
                project_facts=lambda project: {"upgrade_only": _upgrade_only_by_policy(project),
                                               "floor": _declared_floor(project)})
def irreversible_downgrade(migration, project):
    """A revision whose `downgrade()` is missing, empty or raises NotImplementedError.

    ## What it does
    Flags revisions that change the schema in `upgrade()` but cannot be undone: `downgrade()` is
    missing, its body is only `pass` / `...` / a docstring, or it raises `NotImplementedError`.
    A revision whose `upgrade()` is empty too (a merge revision, a placeholder) is not flagged,
    nor an empty `downgrade()` of an `upgrade()` that only reads, asserts or changes data (no schema
    change to undo; a missing or raising downgrade still makes `alembic downgrade` fail), nor
    any revision of a project that is upgrade-only by policy (no revision of its history has a
    downgrade that does something).

    Severity: warning (whether a rollback will ever be needed is not visible).

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
    upgrade = migration.function("upgrade")
    if upgrade is None or _is_empty(upgrade.body):
        return
    downgrade = migration.function("downgrade")
    if downgrade is not None and not _is_empty(downgrade.body) and _raises_not_implemented(downgrade.body) is None:
        return  # the common case: a real downgrade (checked first, it costs nothing)
    if migration.revision_id in _declared_floor(project):
        return  # declared never to be downgraded: minimum-downgrade-revision
    if _upgrade_only_by_policy(project):
        return
    empty = downgrade is not None and _is_empty(downgrade.body)
    if empty and not _changes_schema(migration, project):
        return  # only reads, asserts or changes data: an empty downgrade leaves the schema consistent
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
    elif _is_empty(downgrade.body):
        yield irreversible_downgrade.finding(
            f"`downgrade()` of `{migration.revision_id}` does nothing, but `upgrade()` changes the schema",
            at=migration.location(downgrade.lineno),
            hint="write the reverse operations of upgrade() (for example drop what it creates)",
            anchor="empty",
        )


# operations that read or change data, or set the session up: none of them changes the schema
_DATA_ONLY = {"select", "update", "insert", "delete", "truncate", "bulk_insert", "orm_session", "set_timeout",
              "begin", "commit"}


def _changes_schema(migration, project) -> bool:
    """Whether upgrade() changes the schema, from the operations read out of it (ops layer). An
    operation that cannot be read (AG423's `unresolved`, unanalysed SQL) counts as a change."""
    calls = [c for c in operations(project).of(migration).calls if c.phase == "upgrade"]
    return any(c.name not in _DATA_ONLY and not (c.name == "sql_other" and c.params.get("statement") == "PRAGMA (SQLite)")
               for c in calls)


def _upgrade_only_by_policy(project) -> bool:
    """No revision of the history has a downgrade that does something: the project does not roll
    back by policy, and a finding on every revision says nothing new. Read from the files' text
    (no parsing), so it is cheap enough to be part of the result cache's key (computed once)."""
    def build(project) -> bool:
        files = 0
        for mig in project.migrations:
            _, found, body = mig.source.partition("def downgrade")
            if found and _DOES_SOMETHING.search(body):
                return False
            files += 1
        return files >= 3  # a policy needs a history: two fresh revisions are not one

    return project.analysis("ag108-upgrade-only", build)


_DOES_SOMETHING = re.compile(r"\bop\.|\.execute\(|batch_op\.|\bexec\(|\braise\b(?!\s+NotImplementedError)")


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
