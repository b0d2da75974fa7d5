# Held-out: async FastAPI + SQLModel / aiosqlite tutorials (the "async SQLModel" blog style),
# WRONG and CORRECT.
from collections.abc import AsyncGenerator
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel

DATABASE_URL = "sqlite+aiosqlite:///./database.db"

engine = create_async_engine(DATABASE_URL, echo=True)  # expect: AG541
async_session_maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

# CORRECT: WAL and a busy timeout, as the SQLite docs advise for concurrent writers
wal_engine = create_async_engine("sqlite+aiosqlite:///./wal.db", connect_args={"timeout": 15})


@event.listens_for(wal_engine.sync_engine, "connect")
def set_sqlite_pragma(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    secret_name: str


app = FastAPI()


# CORRECT: the tutorial's async dependency
async def get_session() -> AsyncGenerator[AsyncSession, None]:
    async with async_session_maker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@app.post("/heroes/")
async def create_hero(hero: Hero, session: SessionDep) -> Hero:
    session.add(hero)
    await session.commit()
    await session.refresh(hero)
    return hero


@app.get("/heroes/")
async def read_heroes(session: SessionDep) -> list[Hero]:
    result = await session.execute(select(Hero))
    return list(result.scalars().all())


# WRONG: the dependency without a context manager or finally
async def get_session_leaky() -> AsyncGenerator[AsyncSession, None]:
    session = async_session_maker()  # expect: AG512
    yield session
    await session.close()
