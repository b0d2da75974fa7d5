import asyncio

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/shop")
SessionLocal = async_sessionmaker(engine)


async def fetch(session: AsyncSession, n: int):
    return await session.scalar(select(n))


async def fetch_own(n: int):
    async with SessionLocal() as session:
        return await session.scalar(select(n))


# WRONG
async def dashboard(session: AsyncSession):
    users, orders = await asyncio.gather(  # expect: AG523
        session.execute(text("select 1")),
        session.execute(text("select 2")),
    )
    return users, orders


async def many(ids):
    async with SessionLocal() as session:
        return await asyncio.gather(*(fetch(session, i) for i in ids))  # expect: AG523


async def tasks(session: AsyncSession, ids):
    async with asyncio.TaskGroup() as tg:
        for i in ids:
            tg.create_task(fetch(session, i))  # expect: AG523


# CORRECT
async def dashboard_ok(session: AsyncSession):
    users = await session.execute(text("select 1"))
    orders = await session.execute(text("select 2"))
    return users, orders


async def many_ok(ids):
    return await asyncio.gather(*(fetch_own(i) for i in ids))


async def one_task(session: AsyncSession):
    task = asyncio.create_task(fetch(session, 1))
    return await task


async def gather_other(session: AsyncSession):
    return await asyncio.gather(fetch(session, 1), asyncio.sleep(1))
