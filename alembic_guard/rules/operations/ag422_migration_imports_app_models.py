from alembic_guard.findings import Location, Severity
from alembic_guard.ops import operations
from alembic_guard.rules._registry import migration_rule

MODEL_WORDS = ("models", "model", "entities", "orm", "tables", "schema", "schemas")


def _import_facts(project) -> dict:
    """What the rule reads of the project besides the file: which top-level names are local."""
    a = operations(project)
    return {"local": sorted(a.local_tops), "migrations": sorted(a.migration_tops)}


@migration_rule("AG422", "migration-imports-app-models", severity=Severity.WARNING, project_facts=_import_facts)
def migration_imports_app_models(migration, project):
    """Revision imports the application's code.

    ## What it does
    Flags imports, in a revision file, of the analysed project's own modules (a package or module
    found in the project root or `src/`), and of any module path with a `models` component
    outside SQLAlchemy/Alembic. Helpers kept beside the migrations are not flagged.

    ## Why is this bad?
    A revision is a snapshot of the schema at one point in history; the application's models
    describe the schema of today. When the models change, old revisions that import them change
    behaviour or stop importing at all, and a fresh `alembic upgrade head` (a new environment, CI)
    breaks. Importing the application also runs its import-time side effects inside migrations.

    ## Example
    ```python
    from myapp.models import User

    def upgrade():
        op.create_index("ix_user_email", User.__tablename__, ["email"])
    ```

    ## Use instead
    ```python
    def upgrade():
        user = sa.table("user", sa.column("email", sa.Text()))
        op.create_index("ix_user_email", "user", ["email"])
    ```

    ## When to ignore
    Imports of stable, schema-independent helpers (constants, enums you never change).
    """
    mops = operations(project).of(migration)
    if mops is None:
        return
    seen = set()
    for line, col, module, kind in mops.imports:
        parts = module.strip(".").split(".")
        top = parts[0] if parts else ""
        modelish = kind != "migrations" and any(p in MODEL_WORDS for p in parts) and top not in ("sqlalchemy", "alembic", "sqlmodel")
        if not (kind == "app" or modelish) or module in seen:
            continue
        seen.add(module)
        yield migration_imports_app_models.finding(
            f"Revision imports application module `{module}`",
            at=Location(migration.relpath, line, col, revision=migration.revision_id),
            hint="copy what the migration needs into the revision (`sa.table(...)` stubs, literal names) instead of importing the app",
            anchor=f"import {module}",
        )
