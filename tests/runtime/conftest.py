"""Runtime-kit fixtures: a throwaway PostgreSQL database (always dropped) and a SQLite file,
each with a tiny users/orders schema and rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    orders: Mapped[list["Order"]] = relationship(back_populates="user")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="orders")


def _seed(engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        for i in range(6):
            session.add(User(name=f"user{i}", orders=[Order(), Order()]))


@pytest.fixture(scope="module")
def pg_runtime_url(pg_admin_url):
    """A throwaway PostgreSQL database (the sandbox drops it even on failure, SIGINT or SIGTERM).
    Module-scoped: an open sandbox holds signal handlers, which other test modules inspect."""
    from alembic_guard.sandbox.server import ServerSandbox

    with ServerSandbox(pg_admin_url, owner="runtime-kit tests") as sandbox:
        url = sandbox.create_database(prefix="ag_runtime")
        engine = sa.create_engine(url)
        _seed(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def sqlite_runtime_url(tmp_path_factory):
    path = tmp_path_factory.mktemp("runtime") / "app.db"
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    _seed(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    url = request.getfixturevalue("sqlite_runtime_url" if request.param == "sqlite" else "pg_runtime_url")
    eng = sa.create_engine(url, pool_size=3, max_overflow=1)
    yield eng
    eng.dispose()
