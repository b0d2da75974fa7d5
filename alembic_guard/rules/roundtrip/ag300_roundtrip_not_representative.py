from alembic_guard.findings import Location, Severity
from alembic_guard.rules._registry import roundtrip_rule


@roundtrip_rule("AG300", "roundtrip-not-representative", severity=Severity.INFO)
def roundtrip_not_representative(result, project):
    """The round trip ran somewhere that differs from production (e.g. SQLite for a PostgreSQL project).

    ## What it does
    Reports the sandbox's own warnings: the round trip fell back to SQLite because no PostgreSQL
    or MySQL server, binaries or Docker were available, or a revision could not run inside a
    transaction and the walk switched to slower per-step transactions.

    ## Why is this bad?
    A round trip on SQLite says nothing about PostgreSQL enum types, MySQL's implicit commits or
    CONCURRENTLY indexes. A green run there is weaker evidence than it looks.

    ## Example
    ```
    alembic-guard check --db sqlite --select AG3   # on a PostgreSQL project
    ```

    ## Use instead
    ```
    alembic-guard check --db embedded --select AG3   # or --db-url postgresql://...
    ```
    """
    at = project.config_location()
    for text in result.warnings:
        yield roundtrip_not_representative.finding(
            text,
            at=Location(at.path),
            hint="run the round trip on the production dialect: --db embedded, --db docker or --db-url",
            anchor=text[:60],
        )
