# Held-out: engine set-ups and ORM-tutorial sessions as the SQLAlchemy 2.0 tutorial, the pooling
# docs and blog posts write them, WRONG and CORRECT.
import threading

from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship, selectinload
from sqlalchemy.pool import NullPool, QueuePool


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    addresses: Mapped[list["Address"]] = relationship(back_populates="user")


class Address(Base):
    __tablename__ = "address"
    id: Mapped[int] = mapped_column(primary_key=True)
    email_address: Mapped[str]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    user: Mapped[User] = relationship(back_populates="addresses")


# CORRECT
engine = create_engine("postgresql+psycopg2://scott:tiger@localhost/test", pool_size=10, max_overflow=20)
mysql_ok = create_engine("mysql+pymysql://scott:tiger@localhost/test", pool_pre_ping=True, pool_recycle=3600)
lambda_engine = create_engine("postgresql+psycopg2://scott:tiger@localhost/test", poolclass=NullPool)
async_ok = create_async_engine("mysql+aiomysql://scott:tiger@localhost/test", pool_pre_ping=True, pool_recycle=3600)

# WRONG
mysql_engine = create_engine("mysql+pymysql://scott:tiger@localhost/test")  # expect: AG501,AG502
recycle_too_long = create_engine(  # expect: AG502
    "mysql+mysqldb://scott:tiger@localhost/test", pool_pre_ping=True, pool_recycle=86400
)
serverless = create_engine(  # expect: AG503
    "postgresql+psycopg2://scott:tiger@localhost/test", poolclass=NullPool, pool_size=5, max_overflow=0
)
sync_with_async_driver = create_engine("postgresql+asyncpg://scott:tiger@localhost/test")  # expect: AG521
memory = create_engine("sqlite:///:memory:", connect_args={"check_same_thread": False})  # expect: AG504
queue_ok = create_engine("postgresql+psycopg2://scott:tiger@localhost/test", poolclass=QueuePool, pool_size=5)


def worker():
    with Session(memory) as session:
        session.execute(select(User))


threading.Thread(target=worker).start()


# CORRECT: the tutorial's session block
def tutorial_reads():
    with Session(engine) as session:
        spongebob = session.scalars(select(User).where(User.name == "spongebob")).one()
        print(spongebob.addresses)
        session.commit()


# WRONG: the user escapes the with-block and its lazy collection is read afterwards
def load_user(user_id: int) -> User:
    with Session(engine) as session:
        return session.get(User, user_id)


def print_addresses(user_id: int):
    user = load_user(user_id)
    for address in user.addresses:  # expect: AG510
        print(address.email_address)


# WRONG: commit() expired the object, and the session is gone when it is read
def rename(user_id: int, name: str):
    session = Session(engine)
    try:
        user = session.get(User, user_id)
        user.name = name
        session.commit()
    finally:
        session.close()
    return user.name  # expect: AG511


# CORRECT: read before closing
def rename_ok(user_id: int, name: str):
    with Session(engine) as session:
        user = session.get(User, user_id)
        user.name = name
        session.commit()
        return user.name


# WRONG: joinedload() of a collection multiplies rows
def users_with_addresses():
    with Session(engine) as session:
        stmt = select(User).options(joinedload(User.addresses))  # expect: AG531
        return session.scalars(stmt).unique().all()


# CORRECT: selectinload for collections, joinedload for many-to-one
def users_with_addresses_ok():
    with Session(engine) as session:
        users = session.scalars(select(User).options(selectinload(User.addresses))).all()
        addresses = session.scalars(select(Address).options(joinedload(Address.user))).all()
        return [(u.name, [a.email_address for a in u.addresses]) for u in users], addresses
