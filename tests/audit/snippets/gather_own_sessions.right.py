import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from models import Item

engine = create_async_engine("postgresql+asyncpg://user:pass@localhost/db")
async_session = async_sessionmaker(engine, expire_on_commit=False)


async def process(item_id: int):
    async with async_session() as session:
        item = await session.get(Item, item_id)
        item.seen = True
        await session.commit()


async def process_all(ids: list[int]):
    await asyncio.gather(*[process(i) for i in ids])
