from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import get_session
from app.models import User


async def get_user(user_id: int, session: AsyncSession = Depends(get_session)):
    stmt = (
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.orders))
    )
    result = await session.execute(stmt)
    return result.scalar_one()
