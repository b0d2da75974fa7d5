# flags: AG520
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from models import User

engine = create_engine("postgresql+psycopg2://user:pass@localhost/db")


async def get_users():
    session = Session(engine)  # Sync session
    users = session.execute(select(User)).scalars().all()
    return users
