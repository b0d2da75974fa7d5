"""CORRECT: asyncio driver, pre-ping, sessions that keep loaded values after commit."""

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

async_engine = create_async_engine("postgresql+asyncpg://app@127.0.0.1:5432/shop", pool_pre_ping=True)
async_session = async_sessionmaker(async_engine, expire_on_commit=False)


async def get_db():
    async with async_session() as session:
        yield session
