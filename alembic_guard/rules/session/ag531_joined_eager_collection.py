import ast

from alembic_guard.audit.vocabulary import looks_plural
from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows


def _target(call: ast.Call):
    if not call.args:
        return None, None
    a = call.args[0]
    if isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name):
        return a.value.id, a.attr
    if isinstance(a, ast.Constant) and isinstance(a.value, str):
        return None, a.value.split(".")[-1]
    return None, None


@app_rule("AG531", "joined-eager-collection", severity=Severity.WARNING)
def joined_eager_collection(module, app):
    """`joinedload()` of a one-to-many or many-to-many collection.

    ## What it does
    Flags `joinedload(User.orders)` (also chained, `.joinedload(...)`) when the relationship is a
    collection, and says when the result is read without `.unique()`.

    Severity: warning (the size of the collections is not visible).

    ## Why is this bad?
    A JOIN to a collection repeats the parent row once per child: 100 users with 50 orders each
    come back as 5,000 wide rows to de-duplicate in Python. In 2.0-style queries, reading such a
    result without `.unique()` fails: `InvalidRequestError: The unique() method must be invoked
    on this Result, as it contains results that include joined eager loads against collections`.
    `selectinload()` loads collections with one extra `SELECT ... WHERE id IN (...)`, without
    multiplying rows; keep `joinedload()` for many-to-one.

    ## Example
    ```python
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship

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

    def users_with_orders(session: Session):
        return session.scalars(select(User).options(joinedload(User.orders))).all()
    ```

    ## Use instead
    ```python
    from sqlalchemy import ForeignKey, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship, selectinload

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

    def users_with_orders(session: Session):
        return session.scalars(select(User).options(selectinload(User.orders))).all()

    def orders_with_user(session: Session):
        return session.scalars(select(Order).options(joinedload(Order.user))).all()
    ```
    """
    no_unique: set[int] = set()
    for flow in flows(module, app):
        for c in flow.consumes:
            if c.val.joined and not c.val.unique and c.val.kind != "query":
                for _, node in c.val.joined:
                    no_unique.add(id(node))
    if "joinedload" not in module.source:
        return
    for node in module.of(ast.Call):
        is_joined = module.imports.call_key(node) == "joinedload" or (
            isinstance(node.func, ast.Attribute) and node.func.attr == "joinedload" and not isinstance(node.func.value, ast.Name)
        )
        if not is_joined:
            continue
        model, attr = _target(node)
        if attr is None:
            continue
        rel = app.relationship(model, attr)
        if rel is not None:
            if not rel.collection:
                continue
        elif model in app.models or not looks_plural(attr):
            continue
        shown = f"{model}.{attr}" if model else attr
        raises = id(node) in no_unique
        message = f"`joinedload({shown})` joins a collection: one row per related object"
        if raises:
            message += "; the result is read without `.unique()`, which raises InvalidRequestError"
        yield joined_eager_collection.finding(
            message,
            at=module.loc(node),
            hint=f"use `selectinload({shown})` for collections (keep `joinedload` for many-to-one)",
            anchor=anchor_of(module, node, f"joinedload {shown}"),
        )
