from typing import Optional

from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import selectinload
from sqlmodel import Field, Relationship, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession


class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    heroes: list["Hero"] = Relationship(back_populates="team")


class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    team_id: Optional[int] = Field(default=None, foreign_key="team.id")
    team: Optional[Team] = Relationship(back_populates="heroes", sa_relationship_kwargs={"lazy": "selectin"})


engine = create_async_engine("sqlite+aiosqlite:///heroes.db")
app = FastAPI()


async def get_session():
    async with AsyncSession(engine) as session:
        yield session


@app.get("/teams")
async def teams(session: AsyncSession = Depends(get_session)):
    result = await session.exec(select(Team).options(selectinload(Team.heroes)))
    return [{"name": t.name, "heroes": len(t.heroes)} for t in result.all()]


@app.get("/heroes")
async def heroes(session: AsyncSession = Depends(get_session)):
    result = await session.exec(select(Hero))
    return [{"name": h.name, "team": h.team.name if h.team else None} for h in result.all()]
