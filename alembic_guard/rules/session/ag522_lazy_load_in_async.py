from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows
from alembic_guard.rules.session.ag510_detached_lazy_load import lazy_unloaded, relationship_guess


@app_rule("AG522", "lazy-load-in-async", severity=Severity.ERROR)
def lazy_load_in_async(module, app):
    """Lazy relationship read on an object loaded by an `AsyncSession`.

    ## What it does
    Flags reading a relationship that is lazy (`lazy="select"`, the default) and was not
    eager-loaded by the query, on an object that came from an `AsyncSession`, in async code.
    Eager options (`selectinload`, `joinedload`, ...), `lazy="selectin"`/`"joined"`/`"raise"` on
    the relationship, `await session.refresh(obj, ["orders"])` and `await obj.awaitable_attrs.orders`
    are all fine.

    Severity: error when the mapping says the attribute is a lazy relationship; warning when it
    is only guessed from its name (the message says so).

    ## Why is this bad?
    A lazy load is implicit IO, and an `AsyncSession` cannot do IO outside an `await`:
    `MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here. Was IO
    attempted in an unexpected place?` It works in sync tests and breaks in the async app.
    Declaring relationships with `lazy="raise"` makes every such read fail loudly in development.

    ## Example
    ```python
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        orders: Mapped[list["Order"]] = relationship(back_populates="user")

    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        user: Mapped[User] = relationship(back_populates="orders")

    async def order_count(session: AsyncSession, user_id: int) -> int:
        user = await session.get(User, user_id)
        return len(user.orders)
    ```

    ## Use instead
    ```python
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        orders: Mapped[list["Order"]] = relationship(back_populates="user")

    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        user: Mapped[User] = relationship(back_populates="orders")

    async def order_count(session: AsyncSession, user_id: int) -> int:
        user = await session.get(User, user_id, options=[selectinload(User.orders)])
        return len(user.orders)
    ```
    """
    for flow in flows(module, app):
        for acc in flow.accesses:
            val = acc.val
            if not acc.in_async or val.session is None or val.session.is_async is not True:
                continue
            if acc.closed or val.expired:
                continue  # AG510 / AG511 report those
            if not lazy_unloaded(acc, app):
                continue
            model = val.model or "Model"
            rel_hint = f"or declare `{acc.attr} = relationship(..., lazy=\"selectin\")` on `{model}`" if acc.rel is not None else (
                f"or load it first: `await session.refresh({acc.var}, [\"{acc.attr}\"])`" if app.sqlalchemy_major == 1  # no awaitable_attrs before 2.0
                else "or use `await " + acc.var + ".awaitable_attrs." + acc.attr + "`")
            yield lazy_load_in_async.finding(
                f"`{acc.var}.{acc.attr}` lazy-loads a relationship of an `AsyncSession` object (implicit IO in async code){relationship_guess(acc)}",
                at=module.loc(acc.node),
                severity=None if acc.rel is not None else Severity.WARNING,
                hint=f"eager-load it: `.options(selectinload({model}.{acc.attr}))` in the query, {rel_hint}",
                anchor=anchor_of(module, acc.node, f"{acc.var}.{acc.attr}"),
            )
