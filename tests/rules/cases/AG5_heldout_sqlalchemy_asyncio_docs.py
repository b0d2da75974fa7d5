# Held-out: the SQLAlchemy "Asynchronous I/O (asyncio)" documentation example, WRONG and CORRECT.
from __future__ import annotations

import asyncio
import datetime
from typing import List

from sqlalchemy import ForeignKey, func, select
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(AsyncAttrs, DeclarativeBase):
    pass


class A(Base):
    __tablename__ = "a"

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[str]
    create_date: Mapped[datetime.datetime] = mapped_column(server_default=func.now())
    bs: Mapped[List[B]] = relationship()


class B(Base):
    __tablename__ = "b"
    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("a.id"))
    data: Mapped[str]


engine = create_async_engine("postgresql+asyncpg://scott:tiger@localhost/test", echo=True)  # CORRECT
async_session = async_sessionmaker(engine, expire_on_commit=False)

wrong_driver = create_async_engine("postgresql://scott:tiger@localhost/test")  # expect: AG521


# CORRECT: the docs' select_and_update_objects
async def select_and_update_objects(async_session: async_sessionmaker[AsyncSession]) -> None:
    async with async_session() as session:
        stmt = select(A).options(selectinload(A.bs))
        result = await session.execute(stmt)
        for a in result.scalars():
            print(a)
            for b in a.bs:
                print(b)
        result = await session.execute(select(A).order_by(A.id).limit(1))
        a1 = result.scalars().one()
        a1.data = "new data"
        await session.commit()
        # access attribute subsequent to commit; this is what
        # expire_on_commit=False allows
        print(a1.data)
        # AsyncAttrs: awaitable_attrs loads the collection without implicit IO
        for b1 in await a1.awaitable_attrs.bs:
            print(b1)


# WRONG: the same loop without selectinload(): lazy load under asyncio (MissingGreenlet)
async def select_without_eager_load(async_session: async_sessionmaker[AsyncSession]) -> None:
    async with async_session() as session:
        result = await session.execute(select(A))
        for a in result.scalars():
            for b in a.bs:  # expect: AG522
                print(b)


# WRONG: one AsyncSession shared by concurrent tasks
async def concurrent_queries(async_session: async_sessionmaker[AsyncSession]) -> None:
    async with async_session() as session:
        await asyncio.gather(  # expect: AG523
            session.execute(select(A)),
            session.execute(select(B)),
        )


# CORRECT: one session per task
async def one_query(async_session: async_sessionmaker[AsyncSession], model) -> list:
    async with async_session() as session:
        return (await session.execute(select(model))).scalars().all()


async def concurrent_queries_ok(async_session: async_sessionmaker[AsyncSession]) -> None:
    await asyncio.gather(one_query(async_session, A), one_query(async_session, B))


async def main() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await select_and_update_objects(async_session)
    # for AsyncEngine created in function scope, close and
    # clean-up pooled connections
    await engine.dispose()


asyncio.run(main())
