# flags: AG541
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from models import Event

engine = create_async_engine("sqlite+aiosqlite:///./events.db")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


async def get_db():
    async with SessionLocal() as session:
        yield session


@app.post("/events")
async def add_event(name: str, db: AsyncSession = Depends(get_db)):
    db.add(Event(name=name))
    await db.commit()
    return {"ok": True}
