from alembic_guard.audit.vocabulary import ASYNC_DRIVERS, ASYNC_SUGGESTION
from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import engine_label, suggested_driver_url

BOTH_WAYS = {"psycopg", "oracledb"}  # these drivers do sync and async


@app_rule("AG521", "async-engine-driver-mismatch", severity=Severity.ERROR)
def async_engine_driver_mismatch(module, app):
    """`create_async_engine` with a sync driver, or `create_engine` with an async one.

    ## What it does
    Reads the URL of each engine (literal, module constant or `os.getenv` default) and flags
    `create_async_engine("postgresql://...")`, `"postgresql+psycopg2://..."`, `"mysql+pymysql://..."`,
    `"sqlite:///..."` (sync drivers), and `create_engine("postgresql+asyncpg://...")` (an async
    driver in a sync engine).

    Severity: error (the URL literal names the driver; SQLAlchemy refuses the combination).

    ## Why is this bad?
    The asyncio extension needs an asyncio driver. With a sync one it fails at start-up:
    `InvalidRequestError: The asyncio extension requires an async driver to be used. The loaded
    'psycopg2' is not async.` The other way round, a sync engine over asyncpg fails on the first
    connection with `MissingGreenlet: greenlet_spawn has not been called; can't call await_only()
    here. Was IO attempted in an unexpected place?`

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("postgresql://app@db/shop")
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("postgresql+asyncpg://app@db/shop")
    ```
    """
    for eng in module.engines:
        if not eng.driver or not eng.dialect:
            continue
        if eng.is_async and eng.driver not in ASYNC_DRIVERS:
            good = ASYNC_SUGGESTION.get(eng.dialect)
            if good is None:
                continue
            named = "+" in (eng.url or "").split("://", 1)[0]
            what = f"the sync driver `{eng.driver}`" if named else f"a URL without a driver (`{eng.dialect}://` means the sync `{eng.driver}` on SQLAlchemy 2.0)"
            yield async_engine_driver_mismatch.finding(
                f"Async engine {engine_label(eng)} uses {what}",
                at=module.loc(eng.call),
                hint=f"use an asyncio driver in the URL: `{suggested_driver_url(eng, good)}` (install `{good}`)",
                anchor=f"engine {eng.name or '?'} {eng.driver}",
            )
        elif not eng.is_async and eng.driver in ASYNC_DRIVERS and eng.driver not in BOTH_WAYS:
            yield async_engine_driver_mismatch.finding(
                f"Sync engine {engine_label(eng)} uses the asyncio driver `{eng.driver}`",
                at=module.loc(eng.call),
                hint="create it with `create_async_engine(...)` from `sqlalchemy.ext.asyncio`, or use a sync driver such as `psycopg2`/`pymysql`",
                anchor=f"engine {eng.name or '?'} {eng.driver}",
            )
