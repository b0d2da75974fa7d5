from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, relationship, selectinload, sessionmaker

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    addresses = relationship("Address", back_populates="user")


class Address(Base):
    __tablename__ = "addresses"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"))
    user = relationship("User", back_populates="addresses")


engine = create_engine("sqlite:///example.db")
Session = sessionmaker(bind=engine)


def get_user(user_id):
    session = Session()
    try:
        user = session.query(User).options(selectinload(User.addresses)).get(user_id)
    finally:
        session.close()
    return user


user = get_user(1)
for address in user.addresses:
    print(address.id)
