# flags: AG523
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from models import Item


async def process(session: AsyncSession, item_id: int):
    item = await session.get(Item, item_id)
    item.seen = True


async def process_all(session: AsyncSession, ids: list[int]):
    await asyncio.gather(*[process(session, i) for i in ids])
    await session.commit()
