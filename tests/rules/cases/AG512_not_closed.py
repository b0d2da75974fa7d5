from contextlib import closing

from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/shop")
SessionLocal = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/shop")
AsyncSessionLocal = async_sessionmaker(aengine)


# WRONG: closed on the happy path only
def count():
    session = Session(engine)  # expect: AG512
    total = session.scalar(select(1))
    session.close()
    return total


# WRONG: never closed
def names():
    db = SessionLocal()  # expect: AG512
    return [n for n in db.scalars(select(1))]


# WRONG: connection never returned
def ping():
    conn = engine.connect()  # expect: AG512
    conn.execute(text("select 1"))


# WRONG: FastAPI dependency closes after yield without finally
def get_db():
    db = SessionLocal()  # expect: AG512
    yield db
    db.close()


# WRONG: used inline, never closed
def quick():
    return SessionLocal().scalar(select(1))  # expect: AG512


# WRONG: async session, never closed
async def acount():
    session = AsyncSessionLocal()  # expect: AG512
    return await session.scalar(select(1))


# CORRECT
def count_ok():
    with Session(engine) as session:
        return session.scalar(select(1))


def count_finally():
    session = SessionLocal()
    try:
        return session.scalar(select(1))
    finally:
        session.close()


def get_db_ok():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_async_db():
    async with AsyncSessionLocal() as session:
        yield session


def factory():
    session = SessionLocal()
    return session


def closing_ok():
    conn = engine.connect()
    with closing(conn):
        conn.execute(text("select 1"))


def with_begin():
    with SessionLocal.begin() as session:
        session.execute(text("select 1"))


class Repo:
    def __init__(self):
        self.session = SessionLocal()


async def acount_ok():
    async with AsyncSession(aengine) as session:
        return await session.scalar(select(1))


import pytest


@pytest.fixture
def db_session():
    session = SessionLocal()
    yield session
    session.close()
