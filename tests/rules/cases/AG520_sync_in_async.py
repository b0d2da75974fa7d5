from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/shop")
SessionLocal = sessionmaker(engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/shop")
AsyncSessionLocal = async_sessionmaker(aengine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


# WRONG
async def get_users():
    session = Session(engine)  # expect: AG520
    users = session.execute(select(1)).scalars().all()
    session.close()
    return users


@app.get("/items")
async def items(db: Session = Depends(get_db)):
    return db.execute(text("select 1")).all()  # expect: AG520


async def report():
    with engine.connect() as conn:  # expect: AG520
        return conn.execute(text("select 1")).all()


async def from_factory():
    with SessionLocal() as s:  # expect: AG520
        return s.scalar(select(1))


# CORRECT
async def get_users_ok():
    async with AsyncSessionLocal() as session:
        result = await session.execute(select(1))
        return result.scalars().all()


@app.get("/items-sync")
def items_sync(db: Session = Depends(get_db)):
    return db.execute(text("select 1")).all()


async def run_sync_ok(session: AsyncSession):
    def work(sync_session):
        return sync_session.execute(text("select 1")).all()

    return await session.run_sync(work)


async def report_ok():
    async with aengine.connect() as conn:
        return (await conn.execute(text("select 1"))).all()
