import ast

from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows

SPAWN = ("create_task", "start_soon", "ensure_future")


def _session_names(expr: ast.AST, env: dict) -> set[str]:
    out = set()
    for n in ast.walk(expr):
        if isinstance(n, ast.Name) and n.id in env:
            v = env[n.id]
            if v.kind == "session" and v.is_async is not False and not (v.session and v.session.flask):
                out.add(n.id)
    return out


def _guess(name: str, env: dict) -> str:
    v = env.get(name)
    if v is not None and v.is_async is True:
        return ""
    return f" (assuming `{name}` is an AsyncSession: its type is not visible here)"


def _severity(name: str, env: dict):
    v = env.get(name)
    return None if v is not None and v.is_async is True else Severity.WARNING


def _repeats(expr: ast.AST) -> bool:
    """A starred comprehension, `*map(...)`, or an argument evaluated per item of a loop."""
    return isinstance(expr, ast.Starred)


@app_rule("AG523", "shared-async-session-in-gather", severity=Severity.ERROR)
def shared_async_session_in_gather(module, app):
    """One `AsyncSession` used by tasks that run concurrently.

    ## What it does
    Flags `asyncio.gather(...)`, `asyncio.create_task(...)` and `TaskGroup.create_task(...)` calls
    that hand the same `AsyncSession` to more than one concurrent awaitable: two arguments of
    one `gather`, a starred comprehension (`*(fetch(session, i) for i in ids)`), or tasks spawned
    in a loop or several times with the same session.

    Severity: error when the shared session is an AsyncSession for certain; warning when its
    type is only guessed (the message says so).

    ## Why is this bad?
    An `AsyncSession` — and its one connection — is not safe for concurrent use. The second
    query starts while the first is in flight: asyncpg fails with `InterfaceError: cannot
    perform operation: another operation is in progress`, and SQLAlchemy with
    `InvalidRequestError: This session is provisioning a new connection; concurrent operations
    are not permitted`. Give each task its own session, or await the queries one after another.

    ## Example
    ```python
    import asyncio

    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    async def dashboard(session: AsyncSession):
        users, orders = await asyncio.gather(
            session.execute(select(1)),
            session.execute(select(2)),
        )
        return users, orders
    ```

    ## Use instead
    ```python
    import asyncio

    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    async def dashboard(session: AsyncSession):
        users = await session.execute(select(1))
        orders = await session.execute(select(2))
        return users, orders
    ```
    """
    for flow in flows(module, app):
        if not flow.is_async or not flow.env_at:
            continue
        scope = flow.func.node
        loops = [n for n in module.own(scope) if isinstance(n, (ast.For, ast.AsyncFor, ast.While))]
        spawned: dict[str, list[ast.Call]] = {}
        spawn_env: dict[str, dict] = {}
        for node in module.own(scope):
            if not isinstance(node, ast.Call) or id(node) not in flow.env_at:
                continue
            env = flow.env_at[id(node)]
            key = module.imports.call_key(node)
            if key == "asyncio.gather":
                counts: dict[str, int] = {}
                for arg in node.args:
                    for name in _session_names(arg, env):
                        counts[name] = counts.get(name, 0) + (2 if _repeats(arg) else 1)
                shared = sorted(n for n, c in counts.items() if c >= 2)
                for name in shared:
                    yield shared_async_session_in_gather.finding(
                        f"`asyncio.gather` runs several awaitables on the same AsyncSession `{name}` at once{_guess(name, env)}",
                        severity=_severity(name, env),
                        at=module.loc(node),
                        hint=f"await the queries on `{name}` one after another, or give each task its own session (`async with SessionLocal() as s:` inside the task)",
                        anchor=anchor_of(module, node, f"gather {name}"),
                    )
            elif key == "asyncio.create_task" or isinstance(node.func, ast.Attribute) and node.func.attr in SPAWN:
                names = set()
                for arg in node.args:
                    names |= _session_names(arg, env)
                for name in names:
                    spawned.setdefault(name, []).append(node)
                    spawn_env[name] = env
        for name, calls in spawned.items():
            in_loop = any(l.lineno <= c.lineno <= l.end_lineno for c in calls for l in loops)
            if len(calls) < 2 and not in_loop:
                continue
            first = calls[0]
            yield shared_async_session_in_gather.finding(
                f"Concurrent tasks share the AsyncSession `{name}`{_guess(name, spawn_env.get(name, {}))}",
                severity=_severity(name, spawn_env.get(name, {})),
                at=module.loc(first),
                hint=f"open a session per task (`async with SessionLocal() as s:` inside the task function) instead of passing `{name}`",
                anchor=anchor_of(module, first, f"tasks {name}"),
            )
