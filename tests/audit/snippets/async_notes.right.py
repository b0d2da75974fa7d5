import os
from typing import AsyncGenerator

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from .models import Note

DATABASE_URL = os.environ["DATABASE_URL"]
engine = create_async_engine(DATABASE_URL)
async_session_maker = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class NoteIn(BaseModel):
    text: str


async def get_async_session() -> AsyncGenerator[AsyncSession, None]:
    async with async_session_maker() as session:
        yield session


@app.post("/notes")
async def create_note(note: NoteIn, session: AsyncSession = Depends(get_async_session)):
    db_note = Note(**note.dict())
    session.add(db_note)
    await session.commit()
    return db_note
