from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import engine_call_text, engine_label

QUEUE_ONLY = ("pool_size", "max_overflow", "pool_timeout", "pool_use_lifo")
NO_QUEUE = {"NullPool", "StaticPool", "AssertionPool"}


@app_rule("AG503", "pool-options-with-nullpool", severity=Severity.ERROR)
def pool_options_with_nullpool(module, app):
    """Queue-pool options passed to an engine whose pool does not queue.

    ## What it does
    Flags `pool_size`, `max_overflow`, `pool_timeout` or `pool_use_lifo` passed together with
    `poolclass=NullPool`, `StaticPool` or `AssertionPool`.

    Severity: error (`create_engine` refuses queue-pool options with a pool that does not
    queue).

    ## Why is this bad?
    Those options only exist for `QueuePool`. With another pool class the engine refuses to start:
    `TypeError: Invalid argument(s) 'pool_size','max_overflow' sent to create_engine(), using
    configuration PGDialect_psycopg2/NullPool/Engine. Please check that the keyword arguments are
    appropriate for this combination of components.` Even where a wrapper swallows the error,
    the numbers mean nothing: NullPool opens a fresh connection per checkout.

    ## Example
    ```python
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine("postgresql+psycopg2://app@db/shop", poolclass=NullPool, pool_size=10)
    ```

    ## Use instead
    ```python
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine("postgresql+psycopg2://app@db/shop", poolclass=NullPool)
    ```
    """
    for eng in module.engines:
        if eng.poolclass not in NO_QUEUE:
            continue
        bad = [k for k in QUEUE_ONLY if eng.has(k)]
        if not bad:
            continue
        listed = ", ".join(f"`{k}`" for k in bad)
        yield pool_options_with_nullpool.finding(
            f"Engine {engine_label(eng)} uses `{eng.poolclass}` but passes {listed}",
            at=module.loc(eng.call),
            hint=f"remove {listed} from `{engine_call_text(eng)}(...)`, or drop `poolclass={eng.poolclass}` to keep a sized queue pool",
            anchor=f"engine {eng.name or '?'} {','.join(bad)}",
        )
