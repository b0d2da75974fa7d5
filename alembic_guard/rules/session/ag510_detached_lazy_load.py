import ast

from alembic_guard.audit.vocabulary import looks_plural
from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of, flows


def lazy_unloaded(access, app) -> bool:
    """The accessed attribute is a lazy relationship the query did not eager-load."""
    if access.attr in access.val.eager or "*" in access.val.eager:
        return False
    if access.rel is not None:
        return access.rel.is_lazy
    if access.val.model in app.models:
        return False  # a known model, and not one of its relationships
    if _mapped_as_column_only(access.attr, app):
        return False  # the model is not known, but every mapping that has this name maps a column (JSON, ARRAY...)
    return access.collection_use or looks_plural(access.attr)


def _mapped_as_column_only(attr: str, app) -> bool:
    as_column = as_rel = False
    for model in app.models.values():
        as_column = as_column or attr in model.columns
        as_rel = as_rel or attr in model.relationships
    return as_column and not as_rel


def relationship_guess(access) -> str:
    """'' when the mapping says the attribute is a relationship, else the assumption the finding makes."""
    if access.rel is not None:
        return ""
    return f" (assuming `{access.attr}` is a relationship: the object's model is not known here)"


def _schema_fields(func, app):
    """Field names of the route's response model, when it is a class we can read."""
    node = func.response_model
    if node is None:
        return None
    while isinstance(node, ast.Subscript):  # list[UserOut], Optional[UserOut]
        node = node.slice
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value
    if name in app.models:
        return None
    return app.schemas.get(name)


@app_rule("AG510", "detached-lazy-load", severity=Severity.ERROR)
def detached_lazy_load(module, app):
    """Lazy relationship read after the object's session has closed.

    ## What it does
    Follows ORM objects loaded from a session: flags reading a lazy relationship (the default
    `lazy="select"`) that the query did not eager-load, after the session that loaded the object
    has closed — the end of its `with` block, `session.close()`, or returning the object from a
    function whose session closes. In async route handlers (FastAPI) it flags returning such
    objects, because the response is serialised after the handler's work is done and
    serialisation reads the relationships.

    Severity: error when the mapping says the attribute is a lazy relationship and the session
    has closed; warning when the object's model is not known and the attribute is only guessed
    to be a relationship (the message says so).

    ## Why is this bad?
    A closed session cannot run the lazy load, so the read fails:
    `DetachedInstanceError: Parent instance <User at 0x7f...> is not bound to a Session; lazy
    load operation of attribute 'orders' cannot proceed`. With an `AsyncSession` the same read
    fails with `MissingGreenlet`. Load what the caller needs while the session is open.

    ## Example
    ```python
    from sqlalchemy import ForeignKey, create_engine, select
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

    engine = create_engine("postgresql+psycopg2://app@db/shop")

    def order_count(user_id):
        with Session(engine) as session:
            user = session.get(User, user_id)
        return len(user.orders)
    ```

    ## Use instead
    ```python
    from sqlalchemy import ForeignKey, create_engine, select
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

    engine = create_engine("postgresql+psycopg2://app@db/shop")

    def order_count(user_id):
        with Session(engine) as session:
            user = session.get(User, user_id, options=[selectinload(User.orders)])
        return len(user.orders)
    ```
    """
    for flow in flows(module, app):
        for acc in flow.accesses:
            val = acc.val
            closed = acc.closed
            if not closed or val.expired or not lazy_unloaded(acc, app):
                continue
            model = val.model or "the object"
            yield detached_lazy_load.finding(
                f"`{acc.var}.{acc.attr}` is lazy-loaded after the session that loaded `{acc.var}` closed{relationship_guess(acc)}",
                at=module.loc(acc.node),
                severity=None if acc.rel is not None else Severity.WARNING,
                hint=f"eager-load it in the query with `.options(selectinload({model}.{acc.attr}))`, or read it before the session closes",
                anchor=anchor_of(module, acc.node, f"{acc.var}.{acc.attr}"),
            )
        func = flow.func
        if func is None or not func.is_route:
            continue
        for ret in flow.returns:
            val = ret.val
            if val is None or val.kind not in ("obj", "objs") or val.expired or val.session is None:
                continue
            if not (val.session.is_async and func.is_async or val.session in ret.closing or ret.closed):
                continue
            info = app.models.get(val.model) if val.model else None
            fields = _schema_fields(func, app)
            if info is not None:
                lazy = [r for r in info.relationships.values() if r.is_lazy and r.name not in val.eager]
                if fields is not None:
                    lazy = [r for r in lazy if r.name in fields]
                if not lazy:
                    continue
                names = [r.name for r in lazy]
            else:
                if val.eager or fields is not None and not any(looks_plural(f) for f in fields):
                    continue
                if val.model is None or val.model in app.schemas or val.origin is None:
                    continue  # unknown model: only objects a query returned
                names = []
            model = val.model
            what = ", ".join(f"`{model}.{n}`" for n in names) if names else f"the relationships of `{model}`"
            opt = f"selectinload({model}.{names[0]})" if names else f"selectinload({model}.<relationship>)"
            yield detached_lazy_load.finding(
                f"Route `{func.name}` returns `{model}` objects whose lazy relationships ({what}) are read during serialisation, outside the session",
                at=module.loc(ret.node),
                hint=f"eager-load what the response needs: `.options({opt})` in the query (or `lazy=\"selectin\"` on the relationship)",
                anchor=anchor_of(module, ret.node, f"return {model}"),
            )
