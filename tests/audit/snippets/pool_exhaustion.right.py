from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from models import User

engine = create_engine("postgresql+psycopg2://user:pass@localhost/db")

with Session(engine) as session:
    result = session.execute(select(User))

async_engine = create_async_engine(
    "postgresql+asyncpg://user:pass@localhost/db",
    pool_size=20,
    max_overflow=40,
    pool_pre_ping=True,
    pool_recycle=3600,
)
async_session = async_sessionmaker(async_engine)


async def get_users():
    async with async_session() as session:
        result = await session.execute(select(User))
        return result.scalars().all()
