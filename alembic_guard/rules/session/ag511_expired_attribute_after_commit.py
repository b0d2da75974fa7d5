from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows


def _factory_hint(session, app=None) -> str:
    fac = session.factory if session is not None else None
    if fac is not None:
        if fac.is_async and app is not None and app.sqlalchemy_major == 1:
            # async_sessionmaker is new in 2.0; on 1.4 the async factory is a sessionmaker with class_
            return f"create `{fac.name}` with `sessionmaker(..., class_=AsyncSession, expire_on_commit=False)`"
        maker = "async_sessionmaker" if fac.is_async else "sessionmaker"
        return f"create `{fac.name}` with `{maker}(..., expire_on_commit=False)`"
    return "pass `expire_on_commit=False` to the session factory"


def _known_origin(state) -> bool:
    """The session was created here or by a factory we read: its expire_on_commit is known."""
    return state.owned or state.factory is not None or state.flask


def _unknown_origin(state) -> str:
    if _known_origin(state):
        return ""
    return f" (assuming `{state.var or 'the session'}` expires on commit: where it is created is not visible here)"


def _severity(state):
    return None if _known_origin(state) else Severity.WARNING


@app_rule("AG511", "expired-attribute-after-commit", severity=Severity.ERROR)
def expired_attribute_after_commit(module, app):
    """Attribute read after `commit()` expired it, where it cannot be reloaded.

    ## What it does
    Follows objects added to or loaded from a session whose factory keeps the default
    `expire_on_commit=True`. After `session.commit()` every attribute of those objects is
    expired. The rule flags reading one (or returning the object) when the reload cannot
    happen: the session is async (the reload would be implicit IO), or it has closed.
    `await session.refresh(obj)` after the commit clears the finding.

    Severity: error when the session's factory or constructor is read (its `expire_on_commit`);
    warning when the session comes from somewhere not visible (a parameter of unknown origin),
    named in the message.

    ## Why is this bad?
    After a commit SQLAlchemy forgets loaded values so the next read fetches fresh ones. In
    async code that fetch is IO outside an `await`: `MissingGreenlet: greenlet_spawn has not been
    called; can't call await_only() here`. After the session closed it is impossible:
    `DetachedInstanceError: Instance <User at 0x7f...> is not bound to a Session; attribute
    refresh operation cannot proceed`.

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    engine = create_async_engine("postgresql+asyncpg://app@db/shop")
    SessionLocal = async_sessionmaker(engine)

    async def create_user(name):
        async with SessionLocal() as session:
            user = User(name=name)
            session.add(user)
            await session.commit()
            return user.id
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    engine = create_async_engine("postgresql+asyncpg://app@db/shop")
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

    async def create_user(name):
        async with SessionLocal() as session:
            user = User(name=name)
            session.add(user)
            await session.commit()
            return user.id
    ```
    """
    for flow in flows(module, app):
        seen = set()
        for acc in flow.accesses:
            val = acc.val
            if not val.expired or val.session is None:
                continue
            if not (val.session.is_async or acc.closed):
                continue
            key = (acc.var, acc.node.lineno)
            if key in seen:
                continue
            seen.add(key)
            why = "the session has closed" if acc.closed else "reloading it in async code is implicit IO"
            yield expired_attribute_after_commit.finding(
                f"`{acc.var}.{acc.attr}` is read after `commit()` expired it, and {why}{_unknown_origin(val.session)}",
                severity=_severity(val.session),
                at=module.loc(acc.node),
                hint=f"{_factory_hint(val.session, app)}, or `{'await ' if val.session.is_async else ''}session.refresh({acc.var})` after the commit",
                anchor=anchor_of(module, acc.node, f"{acc.var}.{acc.attr}"),
            )
        func = flow.func
        if func is None:
            continue
        for ret in flow.returns:
            val = ret.val
            if val is None or val.kind not in ("obj", "objs") or not val.expired or val.session is None:
                continue
            closing = val.session in ret.closing or ret.closed
            if not (closing or val.session.is_async and func.is_async):
                continue
            name = getattr(ret.node.value, "id", "the object")
            yield expired_attribute_after_commit.finding(
                f"`{func.name}` returns `{name}` after `commit()` expired its attributes; "
                + ("its session is closed by then" if closing else "reading them later is implicit IO in async code")
                + _unknown_origin(val.session),
                severity=_severity(val.session),
                at=module.loc(ret.node),
                hint=f"{_factory_hint(val.session, app)}, or `{'await ' if val.session.is_async else ''}session.refresh({name})` before returning",
                anchor=anchor_of(module, ret.node, f"return {name}"),
            )
