from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from db import session
from models import Order, User

stmt = select(User).options(selectinload(User.orders))
users = session.execute(stmt).scalars().all()  # 2 queries total
for user in users:
    print(user.orders)  # Already in memory — no queries

stmt = (
    select(User)
    .join(User.orders)
    .where(Order.status == "pending")
    .options(contains_eager(User.orders))
)
for user in session.scalars(stmt):
    print(user.name, user.orders)
