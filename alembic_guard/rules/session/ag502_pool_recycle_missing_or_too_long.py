from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import engine_call_text, engine_label, engine_used_once_in_function

MYSQL = {"mysql", "mariadb"}
MYSQL_WAIT_TIMEOUT = 28800  # seconds: the server default of wait_timeout


@app_rule("AG502", "pool-recycle-missing-or-too-long", severity=Severity.WARNING)
def pool_recycle_missing_or_too_long(module, app):
    """MySQL/MariaDB engine whose `pool_recycle` is unset or not below the server's `wait_timeout`.

    ## What it does
    Flags a MySQL/MariaDB engine that neither pings connections (`pool_pre_ping=True`) nor
    recycles them (`pool_recycle=` seconds), and one whose `pool_recycle` is `-1` or at
    least 28800 seconds — MySQL's default `wait_timeout`, after which the server closes idle
    connections. Like AG501, it leaves alone `NullPool` engines and engines created in a function
    and only used there to take a connection at once (none ever sits idle in the pool).

    Severity: warning (the server's `wait_timeout` is not visible).

    ## Why is this bad?
    A connection older than the server's idle timeout is already closed on the server side; the
    pool hands it out anyway and the query fails with
    `OperationalError: (2006, 'MySQL server has gone away')`. `pool_recycle` makes the pool replace
    connections older than the given age, before the server drops them. Use
    `alembic-guard pool --db-url ...` to read the real `wait_timeout` of your server.

    ## Example
    ```python
    from sqlalchemy import create_engine

    engine = create_engine("mysql+pymysql://app@db/shop", pool_recycle=36000)
    ```

    ## Use instead
    ```python
    from sqlalchemy import create_engine

    engine = create_engine("mysql+pymysql://app@db/shop", pool_recycle=3600, pool_pre_ping=True)
    ```
    """
    for eng in module.engines:
        if eng.poolclass == "NullPool" or engine_used_once_in_function(module, eng):
            continue  # no pooled connection ever sits idle (see AG501)
        recycle = eng.option("pool_recycle")
        name = engine_label(eng)
        dialect, _ = app.dialect_of(eng)
        if isinstance(recycle, (int, float)) and not isinstance(recycle, bool):
            if dialect in MYSQL and (recycle < 0 or recycle >= MYSQL_WAIT_TIMEOUT):
                shown = "-1 (never)" if recycle < 0 else f"{recycle:g} s"
                yield pool_recycle_missing_or_too_long.finding(
                    f"Engine {name} recycles connections after {shown}, not below MySQL's default wait_timeout of {MYSQL_WAIT_TIMEOUT} s",
                    at=module.loc(eng.call),
                    hint=f"pass `pool_recycle=3600` (below the server's `wait_timeout`) to `{engine_call_text(eng)}(...)`",
                    anchor=f"engine {eng.name or '?'} recycle",
                )
            continue
        if dialect in MYSQL and not eng.has("pool_recycle") and eng.option("pool_pre_ping") is not True:
            yield pool_recycle_missing_or_too_long.finding(
                f"Engine {name} on {dialect} never recycles pooled connections",
                at=module.loc(eng.call),
                hint=f"pass `pool_recycle=3600` (below the server's `wait_timeout`) to `{engine_call_text(eng)}(...)`",
                anchor=f"engine {eng.name or '?'} recycle",
            )
