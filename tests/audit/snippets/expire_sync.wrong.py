# flags: AG511
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

Base = declarative_base()
engine = create_engine("postgresql+psycopg2://user:pass@localhost/db")
Session = sessionmaker(bind=engine)


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)


def create_user(name):
    session = Session()
    try:
        user = User(name=name)
        session.add(user)
        session.commit()
    finally:
        session.close()
    return user


u = create_user("alice")
print(u.name)
