import ast

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import engine_label

ASYNC_SERVERS = {"fastapi", "starlette", "aiohttp", "quart", "litestar", "sanic"}


def _concurrent_writers(app) -> bool:
    """Some async code writes (commit/flush) and the app runs coroutines concurrently."""
    writes = concurrent = False
    for mod in app.modules:
        if mod.imports.modules & ASYNC_SERVERS:
            concurrent = True
        for node in mod.of(ast.Call, ast.AsyncFunctionDef):
            if isinstance(node, ast.Call):
                key = mod.imports.call_key(node)
                if key in ("asyncio.gather", "asyncio.create_task", "asyncio.TaskGroup", "anyio.create_task_group"):
                    concurrent = True
            elif isinstance(node, ast.AsyncFunctionDef) and not writes:
                for n in mod.own(node):
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("commit", "flush"):
                        writes = True
                        break
    return writes and concurrent


ALL = "*"


def _mitigated(app) -> set[str]:
    """Engines given WAL/busy_timeout/a write lock: their names, or ALL when it is not tied to one.

    A `PRAGMA` in an `event.listens_for(eng.sync_engine, "connect")` listener helps `eng` only;
    one on the `Engine` class, run some other way, or an `asyncio.Lock`, helps every engine.
    """
    out: set[str] = set()
    for mod in app.modules:
        for node in mod.of(ast.Call):
            if mod.imports.call_key(node) == "asyncio.Lock":
                return {ALL}
        if "journal_mode" not in mod.source and "busy_timeout" not in mod.source:
            continue
        targets = [n.args[0] for n in mod.of(ast.Call)
                   if isinstance(n.func, ast.Attribute) and n.func.attr in ("listens_for", "listen")
                   and len(n.args) >= 2 and isinstance(n.args[1], ast.Constant) and n.args[1].value == "connect"]
        engines = {e.name for e in mod.engines if e.name}
        roots = [_root_name(t) for t in targets]
        if not roots or any(r not in engines for r in roots):
            return {ALL}
        out.update(roots)
    return out


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


@app_rule("AG541", "sqlite-async-writers", severity=Severity.WARNING)
def sqlite_async_writers(module, app):
    """Async SQLite engine with concurrent writers and no busy timeout or WAL.

    ## What it does
    Flags `create_async_engine("sqlite+aiosqlite:///file.db")` when the application writes from
    async code that runs concurrently (an async web framework, `asyncio.gather`,
    `create_task`, task groups) and nothing makes SQLite wait for its lock: no
    `connect_args={"timeout": ...}`, no `PRAGMA journal_mode=WAL` / `busy_timeout`, no
    `asyncio.Lock` serialising the writes.

    Severity: warning (the write concurrency is not visible).

    ## Why is this bad?
    SQLite has one writer at a time for the whole file. Concurrent transactions that write
    collide, and after the driver's short default wait the loser fails with
    `OperationalError: database is locked`. It rarely shows in tests, which run one request at a
    time. WAL mode lets readers work during a write; a busy timeout makes writers queue instead
    of failing; a lock serialises writes in the process. For real concurrency use PostgreSQL.

    ## Example
    ```python
    import asyncio

    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///./app.db")
    SessionLocal = async_sessionmaker(engine)

    async def record(event):
        async with SessionLocal() as session:
            session.add(event)
            await session.commit()

    async def main(events):
        await asyncio.gather(*(record(e) for e in events))
    ```

    ## Use instead
    ```python
    import asyncio

    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///./app.db", connect_args={"timeout": 30})
    SessionLocal = async_sessionmaker(engine)

    async def record(event):
        async with SessionLocal() as session:
            session.add(event)
            await session.commit()

    async def main(events):
        await asyncio.gather(*(record(e) for e in events))
    ```
    """
    engines = [e for e in module.engines if e.is_async and e.dialect == "sqlite" and not e.in_memory_sqlite]
    if not engines:
        return
    cache = app.__dict__.setdefault("_ag541", {})
    if "risk" not in cache:
        cache["risk"] = _concurrent_writers(app)
        cache["mitigated"] = _mitigated(app) if cache["risk"] else set()
    if not cache["risk"] or ALL in cache["mitigated"]:
        return
    for eng in engines:
        if eng.name in cache["mitigated"]:
            continue
        if "timeout" in eng.connect_args or eng.poolclass == "NullPool" and False:
            continue
        yield sqlite_async_writers.finding(
            f"Async SQLite engine {engine_label(eng)} has concurrent writers but no busy timeout or WAL",
            at=module.loc(eng.call),
            hint='pass `connect_args={"timeout": 30}` and enable `PRAGMA journal_mode=WAL` in a "connect" event listener, or serialise writes with an `asyncio.Lock`',
            anchor=f"engine {eng.name or '?'} sqlite-writers",
        )
