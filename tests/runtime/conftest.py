"""Runtime-kit fixtures: a throwaway PostgreSQL database (always dropped) and a SQLite file,
each with a tiny users/orders schema and rows."""

from __future__ import annotations

import uuid

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


@pytest.fixture(scope="session")
def pg_runtime_url(pg_admin_url):
    name = f"ag_runtime_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_admin_url).set(database=name)
    try:
        engine = sa.create_engine(url)
        _seed(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
