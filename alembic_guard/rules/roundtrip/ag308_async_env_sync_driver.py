from alembic_guard.core import reading
from alembic_guard.findings import Location, Severity
from alembic_guard.rules._registry import roundtrip_rule


@roundtrip_rule("AG308", "async-env-sync-driver", severity=Severity.ERROR)
def async_env_sync_driver(result, project):
    """An async env.py is configured with a database driver that has no asyncio support.

    ## What it does
    Reads env.py (with `ast`): when it runs migrations through SQLAlchemy's asyncio extension
    (`async_engine_from_config`, `create_async_engine`, `connection.run_sync(...)`, the
    `alembic init -t async` template), checks the driver of the `sqlalchemy.url` the project
    configures (alembic.ini or `[tool.alembic]`) against SQLAlchemy's own list of async
    dialects. psycopg2, pysqlite, pymysql, mysqlclient and pg8000 are sync-only.

    The round trip itself still runs, with an async driver for the sandbox, so the revisions are
    tested; this finding says what `alembic upgrade` with the project's own URL would do.

    ## Why is this bad?
    `alembic upgrade head` stops before the first migration with
    `InvalidRequestError: The asyncio extension requires an async driver to be used. The loaded
    'psycopg2' is not async.` The deploy fails although every migration is fine.

    ## Example
    ```ini
    # alembic.ini, with the env.py of `alembic init -t async`
    sqlalchemy.url = postgresql+psycopg2://app@db/app
    ```

    ## Use instead
    ```ini
    sqlalchemy.url = postgresql+asyncpg://app@db/app
    ```

    ## When to ignore
    When env.py always replaces the URL with one of its own (settings, environment) that names
    an async driver, and alembic.ini's URL is never used.
    """
    driver = getattr(result, "sync_driver", None)
    if not driver:
        return
    where = project.config_location()
    yield async_env_sync_driver.finding(
        f"env.py runs migrations through asyncio, but the configured `sqlalchemy.url` uses `{driver}`, "
        "which has no async support: `alembic upgrade` would fail with \"The asyncio extension requires an "
        "async driver to be used\"",
        at=Location(where.path, *((line, 1) if (line := _url_line(project)) else ())),
        hint="use an async driver in the URL (postgresql+asyncpg://, postgresql+psycopg://, sqlite+aiosqlite://, "
        "mysql+aiomysql://), or make env.py synchronous",
        details=f"configured URL: {result.configured_url}" if getattr(result, "configured_url", None) else None,
        anchor=driver,
    )


def _url_line(project) -> int | None:
    ini = project.layout.ini_path
    if ini is None:
        return None
    try:
        lines = reading.read_text(ini, encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(lines, 1):
        if text.strip().lower().startswith("sqlalchemy.url"):
            return number
    return None
