import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

# WRONG
engine = create_async_engine("sqlite+aiosqlite:///./app.db")  # expect: AG541
other = create_async_engine("sqlite+aiosqlite:///./other.db", connect_args={"check_same_thread": False})  # expect: AG541

# CORRECT
waits = create_async_engine("sqlite+aiosqlite:///./app.db", connect_args={"timeout": 30})
memory = create_async_engine("sqlite+aiosqlite://")
pg = create_async_engine("postgresql+asyncpg://app@db/shop")

SessionLocal = async_sessionmaker(engine)


async def record(event):
    async with SessionLocal() as session:
        session.add(event)
        await session.commit()


async def main(events):
    await asyncio.gather(*(record(e) for e in events))
