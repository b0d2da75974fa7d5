"""WRONG versions of the async request-handling patterns."""

import asyncio

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, joinedload

from app.models import Order, User
from app.schemas import UserOut
from app.wrong.db import SessionLocal, get_session

router = APIRouter()
reporting_engine = create_engine("postgresql+psycopg2://app@127.0.0.1:5432/shop")


@router.get("/users/{user_id}", response_model=UserOut)
async def read_user(user_id: int, session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(User).where(User.id == user_id))
    user = result.scalar_one()
    return user


@router.post("/users")
async def create_user(email: str, session: AsyncSession = Depends(get_session)):
    user = User(email=email)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        raise HTTPException(409, "email taken")
    return {"id": user.id}


@router.get("/users/{user_id}/total")
async def order_total(user_id: int, session: AsyncSession = Depends(get_session)):
    user = await session.get(User, user_id)
    return sum(order.total for order in user.orders)


@router.get("/dashboard")
async def dashboard(session: AsyncSession = Depends(get_session)):
    users, orders = await asyncio.gather(
        session.scalars(select(User)),
        session.scalars(select(Order)),
    )
    return {"users": len(users.all()), "orders": len(orders.all())}


@router.get("/report")
async def report():
    with Session(reporting_engine) as session:
        return {"users": session.scalar(select(User.id).limit(1))}


async def import_users(emails: list[str]):
    async with SessionLocal() as session:
        for email in emails:
            try:
                session.add(User(email=email))
                await session.flush()
            except IntegrityError:
                continue
        await session.commit()


@router.get("/users", response_model=list[UserOut])
async def list_users(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(User).options(joinedload(User.orders)))
    return result.scalars().all()
