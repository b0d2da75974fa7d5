from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows, is_test_code


@app_rule("AG520", "sync-session-in-async", severity=Severity.WARNING)
def sync_session_in_async(module, app):
    """Sync session or engine used inside `async def`.

    ## What it does
    Inside an `async def`, flags the first use of a sync `Session` (created there, from a sync
    `sessionmaker`, or injected with a `Session` annotation), or `connect()`/`begin()` on a sync
    engine. Code inside `run_sync(...)` callbacks or `asyncio.to_thread(...)` functions is sync
    code and is not flagged.

    Severity: warning (how long the blocking call takes is not visible).

    ## Why is this bad?
    A sync session does blocking IO: every query stops the event loop, so one slow query stalls
    every other request of the worker. Mixing it with async engines or objects loaded by an
    `AsyncSession` fails outright: `MissingGreenlet: greenlet_spawn has not been called; can't
    call await_only() here. Was IO attempted in an unexpected place?`

    ## Example
    ```python
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    engine = create_engine("postgresql+psycopg2://app@db/shop")

    async def list_names():
        with Session(engine) as session:
            return session.scalars(select(1)).all()
    ```

    ## Use instead
    ```python
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    engine = create_async_engine("postgresql+asyncpg://app@db/shop")

    async def list_names():
        async with AsyncSession(engine) as session:
            return (await session.scalars(select(1))).all()
    ```

    ## When to ignore
    A handler that must stay sync should be a plain `def`: FastAPI runs those in a thread pool.
    """
    for flow in flows(module, app):
        if not flow.is_async or not any(u.io for u in flow.sync_uses) or is_test_code(flow.func):
            continue  # creating a sync Session does no IO: only its calls block
        first = min(flow.sync_uses, key=lambda u: (u.node.lineno, u.node.col_offset))
        more = len(flow.sync_uses) - 1
        extra = f" (and {more} more sync database call{'s' if more > 1 else ''})" if more else ""
        yield sync_session_in_async.finding(
            f"`async def {flow.func.name}` {first.what}{extra}: blocking IO on the event loop",
            at=module.loc(first.node),
            hint=("use `AsyncSession` from `sessionmaker(class_=AsyncSession)` over `create_async_engine(...)` and `await` its calls, or make the function a plain `def`"
                  if app.sqlalchemy_major == 1  # async_sessionmaker is new in SQLAlchemy 2.0
                  else "use `AsyncSession` from an `async_sessionmaker` over `create_async_engine(...)` and `await` its calls, or make the function a plain `def`"),
            anchor=anchor_of(module, first.node, "sync-in-async"),
        )
