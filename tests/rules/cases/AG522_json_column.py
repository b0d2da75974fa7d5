# `data` is a JSON column in every mapping that has it: reading it is no lazy load, even when the
# object's model is not known at the read (`db.artifact_model` through a provider). `runs` is a
# relationship of an unknown model only by its name: it fires (at warning level).
from typing import Any, Optional

from sqlalchemy import JSON, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Artifact(Base):
    __tablename__ = "artifact"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[Optional[Any]] = mapped_column(JSON)


# WRONG
async def runs_of(session: AsyncSession, db):
    row = (await session.execute(select(db.artifact_model))).scalar_one_or_none()
    return len(row.runs)  # expect: AG522


# CORRECT
async def latest(session: AsyncSession, db):
    row = (await session.execute(select(db.artifact_model))).scalar_one_or_none()
    return row.data
