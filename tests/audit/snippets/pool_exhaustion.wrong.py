# flags: AG512
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from models import User

engine = create_engine("postgresql+psycopg2://user:pass@localhost/db")

session = Session(engine)
result = session.execute(select(User))
session.close()  # Never reached on exception
