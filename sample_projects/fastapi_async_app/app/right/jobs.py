"""CORRECT: SQLite writers wait for the lock instead of failing."""

import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.models import Order

queue_engine = create_async_engine("sqlite+aiosqlite:///./queue.db", connect_args={"timeout": 30})
QueueSession = async_sessionmaker(queue_engine, expire_on_commit=False)


async def enqueue(order: Order):
    async with QueueSession() as session:
        session.add(order)
        await session.commit()


async def enqueue_all(orders: list[Order]):
    await asyncio.gather(*(enqueue(o) for o in orders))
