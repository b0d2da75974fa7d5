from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    orders: Mapped[list["Order"]] = relationship(back_populates="user")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="orders")


engine = create_engine("postgresql+psycopg2://app@db/shop")
aengine = create_async_engine("postgresql+asyncpg://app@db/shop")
AsyncSessionLocal = async_sessionmaker(aengine, expire_on_commit=False)
app = FastAPI()


async def get_session():
    async with AsyncSessionLocal() as session:
        yield session


# WRONG: read after the with block
def order_count(user_id):
    with Session(engine) as session:
        user = session.get(User, user_id)
    return len(user.orders)  # expect: AG510


# WRONG: session.close() then read
def first_orders():
    session = Session(engine)
    try:
        users = session.scalars(select(User)).all()
    finally:
        session.close()
    return [len(u.orders) for u in users]  # expect: AG510


# WRONG: a helper returns objects from a closed session; the caller reads the relationship
def load_user(user_id):
    with Session(engine) as session:
        return session.get(User, user_id)


def show(user_id):
    user = load_user(user_id)
    print(user.name)
    for order in user.orders:  # expect: AG510
        print(order.id)


# WRONG: FastAPI async handler returns ORM objects; serialisation reads the lazy relationship
@app.get("/users/{user_id}")
async def get_user(user_id: int, session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(User).where(User.id == user_id))
    user = result.scalar_one()
    return user  # expect: AG510


# CORRECT
def order_count_ok(user_id):
    with Session(engine) as session:
        user = session.get(User, user_id, options=[selectinload(User.orders)])
    return len(user.orders)


def order_count_inside(user_id):
    with Session(engine) as session:
        user = session.get(User, user_id)
        return len(user.orders)


def user_of(order_id):
    with Session(engine) as session:
        order = session.scalars(select(Order).options(joinedload(Order.user)).where(Order.id == order_id)).one()
    return order.user.name


@app.get("/users/{user_id}/ok")
async def get_user_ok(user_id: int, session: AsyncSession = Depends(get_session)):
    stmt = select(User).where(User.id == user_id).options(selectinload(User.orders))
    result = await session.execute(stmt)
    return result.scalar_one()


def get_db():
    with Session(engine) as session:
        yield session


# WRONG: sync route whose own `with` block closes the session before serialisation
@app.get("/sync/users/{user_id}")
def sync_user(user_id: int, db: Session = Depends(get_db)):
    with Session(engine) as session:
        return session.get(User, user_id)  # expect: AG510


# CORRECT: the dependency's session is still open while the response is serialised
@app.get("/sync/users/{user_id}/ok")
def sync_user_ok(user_id: int, db: Session = Depends(get_db)):
    return db.get(User, user_id)
