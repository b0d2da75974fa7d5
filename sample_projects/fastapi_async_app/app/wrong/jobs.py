"""WRONG: many concurrent writers on one SQLite file, no busy timeout."""

import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.models import Order

jobs_engine = create_async_engine("sqlite+aiosqlite:///./jobs.db")
JobSession = async_sessionmaker(jobs_engine, expire_on_commit=False)


async def record(order: Order):
    async with JobSession() as session:
        session.add(order)
        await session.commit()


async def record_all(orders: list[Order]):
    await asyncio.gather(*(record(o) for o in orders))
