"""WRONG: sync driver in an async engine; dependency that leaks its session on errors."""

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql://app@127.0.0.1:5432/shop")
SessionLocal = async_sessionmaker(engine)


async def get_session():
    session = SessionLocal()
    yield session
    await session.close()
