from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list["Order"]] = relationship(back_populates="user")
    tags: Mapped[list["Tag"]] = relationship(lazy="selectin")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="orders")


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


engine = create_async_engine("postgresql+asyncpg://app@db/shop")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


# WRONG
async def order_count(session: AsyncSession, user_id: int) -> int:
    user = await session.get(User, user_id)
    return len(user.orders)  # expect: AG522


async def all_orders():
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        return [o.id for u in users for o in u.orders]  # expect: AG522


async def owner_name(session: AsyncSession, order_id: int) -> str:
    order = (await session.execute(select(Order).where(Order.id == order_id))).scalar_one()
    return order.user.id  # expect: AG522


# CORRECT
async def order_count_ok(session: AsyncSession, user_id: int) -> int:
    user = await session.get(User, user_id, options=[selectinload(User.orders)])
    return len(user.orders)


async def all_orders_ok():
    async with SessionLocal() as session:
        users = (await session.scalars(select(User).options(selectinload(User.orders)))).all()
        return [o.id for u in users for o in u.orders]


async def tags(session: AsyncSession, user_id: int):
    user = await session.get(User, user_id)
    return [t.id for t in user.tags]


async def refreshed(session: AsyncSession, user_id: int) -> int:
    user = await session.get(User, user_id)
    await session.refresh(user, ["orders"])
    return len(user.orders)


async def awaitable(session: AsyncSession, user_id: int) -> int:
    user = await session.get(User, user_id)
    orders = await user.awaitable_attrs.orders
    return len(orders)
