# flags: AG523
import asyncio

from sqlalchemy import select

from models import Order, User


async def load(session):
    result1, result2 = await asyncio.gather(
        session.execute(select(User)),
        session.execute(select(Order))
    )
    return result1, result2
