"""CORRECT versions of the async request-handling patterns."""

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Order, User
from app.right.db import async_session, get_db
from app.schemas import UserBrief, UserOut

router = APIRouter()


@router.get("/v2/users/{user_id}", response_model=UserOut)
async def read_user(user_id: int, db: AsyncSession = Depends(get_db)):
    stmt = select(User).where(User.id == user_id).options(selectinload(User.orders))
    return (await db.execute(stmt)).scalar_one()


@router.get("/v2/users/{user_id}/brief", response_model=UserBrief)
async def read_user_brief(user_id: int, db: AsyncSession = Depends(get_db)):
    return await db.get(User, user_id)


@router.post("/v2/users")
async def create_user(email: str, db: AsyncSession = Depends(get_db)):
    user = User(email=email)
    db.add(user)
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise HTTPException(409, "email taken")
    return {"id": user.id}


@router.get("/v2/users/{user_id}/total")
async def order_total(user_id: int, db: AsyncSession = Depends(get_db)):
    user = await db.get(User, user_id, options=[selectinload(User.orders)])
    return sum(order.total for order in user.orders)


@router.get("/v2/dashboard")
async def dashboard(db: AsyncSession = Depends(get_db)):
    users = (await db.scalars(select(User))).all()
    orders = (await db.scalars(select(Order))).all()
    return {"users": len(users), "orders": len(orders)}


async def import_users(emails: list[str]):
    async with async_session() as session:
        for email in emails:
            try:
                async with session.begin_nested():
                    session.add(User(email=email))
            except IntegrityError:
                continue
        await session.commit()


@router.get("/v2/users", response_model=list[UserOut])
async def list_users(db: AsyncSession = Depends(get_db)):
    result = await db.execute(select(User).options(selectinload(User.orders)))
    return result.scalars().all()
