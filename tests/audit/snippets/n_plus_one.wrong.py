# flags: AG530
from sqlalchemy import select

from db import session
from models import User

users = session.execute(select(User)).scalars().all()  # 1 query
for user in users:
    print(user.orders)  # 1 query per user = 50 more queries
