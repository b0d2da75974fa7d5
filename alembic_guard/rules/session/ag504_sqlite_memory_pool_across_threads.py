from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import engine_label

THREADED = {"fastapi", "flask", "starlette", "threading", "concurrent", "django", "uvicorn", "gunicorn", "litestar"}


@app_rule("AG504", "sqlite-memory-pool-across-threads", severity=Severity.WARNING)
def sqlite_memory_pool_across_threads(module, app):
    """In-memory SQLite engine used by a threaded app without `StaticPool`.

    ## What it does
    Flags a sync `create_engine("sqlite://")` / `"sqlite:///:memory:"` in a module that runs
    threads (it imports FastAPI, Flask, Starlette, `threading` or `concurrent.futures`) unless
    it passes `poolclass=StaticPool` and `connect_args={"check_same_thread": False}`.

    Severity: warning (whether threads really share the engine is not visible).

    ## Why is this bad?
    An in-memory SQLite database lives inside one connection. SQLAlchemy's default pool for it
    gives every thread its own connection — so each thread sees its own, empty database
    (`OperationalError: no such table: users` in a request handled by another thread), and a
    connection moved across threads fails with `ProgrammingError: SQLite objects created in a
    thread can only be used in that same thread`.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine

    app = FastAPI()
    engine = create_engine("sqlite://")
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    app = FastAPI()
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    ```
    """
    if not (module.imports.modules & THREADED):
        return
    for eng in module.engines:
        if eng.is_async or not eng.in_memory_sqlite:
            continue
        static = eng.poolclass == "StaticPool"
        same_thread_off = eng.connect_args.get("check_same_thread") is False
        if static and same_thread_off:
            continue
        missing = []
        if not static:
            missing.append("`poolclass=StaticPool`")
        if not same_thread_off:
            missing.append('`connect_args={"check_same_thread": False}`')
        yield sqlite_memory_pool_across_threads.finding(
            f"In-memory SQLite engine {engine_label(eng)} is shared by threads without one static connection",
            at=module.loc(eng.call),
            hint=f"pass {' and '.join(missing)} to `create_engine(...)` so every thread sees the same database",
            anchor=f"engine {eng.name or '?'} sqlite-memory",
        )
