"""Hints follow the SQLAlchemy version the project targets (issue 13 deliverable 5): no 2.0-only API
(`async_sessionmaker`, `awaitable_attrs`) suggested to a project pinned to 1.x."""

from __future__ import annotations

import pytest

from alembic_guard.testing import check_app_source

SYNC_IN_ASYNC = '''
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine("postgresql://app@db/app")


async def handler():
    with Session(engine) as session:
        session.execute(text("select 1"))
'''

LAZY_IN_ASYNC = '''
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship()


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))


async def titles(session: AsyncSession, author_id: int):
    author = await session.get(Author, author_id)
    return [b.id for b in author.books]
'''


@pytest.mark.parametrize(("major", "wanted", "unwanted"), [
    (1, "sessionmaker(class_=AsyncSession)", "async_sessionmaker"),
    (2, "async_sessionmaker", "class_=AsyncSession"),
    (None, "async_sessionmaker", "class_=AsyncSession"),
])
def test_ag520_hint_names_the_async_factory_of_the_targeted_version(major, wanted, unwanted):
    found = [f for f in check_app_source(SYNC_IN_ASYNC, ("AG520",), sqlalchemy_major=major)]
    assert [f.code for f in found] == ["AG520"]
    assert wanted in found[0].hint and unwanted not in found[0].hint


# the model comes from another module: the relationship is not visible here, so the hint offers the
# per-attribute escape hatch, which differs by version (awaitable_attrs is new in 2.0)
LAZY_IN_ASYNC_IMPORTED = '''
from sqlalchemy.ext.asyncio import AsyncSession
from app.models import Author


async def titles(session: AsyncSession, author_id: int):
    author = await session.get(Author, author_id)
    return [b.id for b in author.books]
'''


def test_ag522_hint_has_no_awaitable_attrs_before_2_0():
    (found,) = check_app_source(LAZY_IN_ASYNC_IMPORTED, ("AG522",), sqlalchemy_major=1)
    assert "awaitable_attrs" not in found.hint
    assert 'await session.refresh(author, ["books"])' in found.hint


@pytest.mark.parametrize("major", [2, None])
def test_ag522_hint_offers_awaitable_attrs_from_2_0(major):
    (found,) = check_app_source(LAZY_IN_ASYNC_IMPORTED, ("AG522",), sqlalchemy_major=major)
    assert "await author.awaitable_attrs.books" in found.hint


def test_ag522_with_the_relationship_in_view_points_at_its_declaration():
    found = check_app_source(LAZY_IN_ASYNC, ("AG522",), sqlalchemy_major=1)
    assert found and all('lazy="selectin"' in f.hint and "awaitable_attrs" not in f.hint for f in found)
