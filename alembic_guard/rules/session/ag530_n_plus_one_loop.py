from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows
from alembic_guard.rules.session.ag510_detached_lazy_load import lazy_unloaded


@app_rule("AG530", "n-plus-one-loop", severity=Severity.WARNING)
def n_plus_one_loop(module, app):
    """Lazy relationship read inside a loop over query results (N+1 queries).

    ## What it does
    Flags reading a lazy relationship of the loop variable in a `for` loop or comprehension over
    ORM query results (`session.scalars(select(User))`, `session.query(User).all()`,
    `User.query.all()`...) when the query did not eager-load that relationship.

    Severity: warning (the number of rows is not visible).

    ## Why is this bad?
    Each iteration runs one more `SELECT` to load the relationship of one row: 1 query for the
    list plus N for the relationships. The page that was fast with ten rows in development
    sends thousands of queries in production. With `echo=True` it shows as the same
    `SELECT ... WHERE orders.user_id = %(param_1)s` repeated for every row. `selectinload()`
    loads all of them in one extra query.

    ## Example
    ```python
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

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

    def report(session: Session):
        for user in session.scalars(select(User)):
            print(user.id, len(user.orders))
    ```

    ## Use instead
    ```python
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

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

    def report(session: Session):
        for user in session.scalars(select(User).options(selectinload(User.orders))):
            print(user.id, len(user.orders))
    ```

    ## When to ignore
    Loops that stop after the first few rows, or relationships already in the identity map.
    """
    for flow in flows(module, app):
        seen = set()
        for acc in flow.accesses:
            val = acc.val
            if val.loop is None or val.session is None:
                continue
            if val.session.is_async is True or acc.closed or val.expired:
                continue  # AG522 / AG510 / AG511
            if not lazy_unloaded(acc, app):
                continue
            key = (acc.var, acc.attr, id(val.loop))
            if key in seen:
                continue
            seen.add(key)
            model = val.model or "Model"
            yield n_plus_one_loop.finding(
                f"`{acc.var}.{acc.attr}` lazy-loads once per row of the loop (N+1 queries)",
                at=module.loc(acc.node),
                hint=f"add `.options(selectinload({model}.{acc.attr}))` to the query that the loop iterates",
                anchor=anchor_of(module, acc.node, f"{acc.var}.{acc.attr}"),
            )
