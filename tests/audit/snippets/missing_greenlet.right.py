from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from models import User

engine = create_async_engine("postgresql+asyncpg://user:pass@localhost/db")
async_session = async_sessionmaker(engine, expire_on_commit=False)


async def get_users():
    async with async_session() as session:
        result = await session.execute(select(User))
        return result.scalars().all()


async def refresh_user(user_id: int):
    async with async_session() as session:
        user = await session.get(User, user_id)
        await session.refresh(user, ["orders"])
        return user.orders
