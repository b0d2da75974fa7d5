from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list["Order"]] = relationship(back_populates="user")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="orders")
    lines: Mapped[list["Line"]] = relationship()


# WRONG
def users_with_orders(session: Session):
    return session.scalars(select(User).options(joinedload(User.orders))).all()  # expect: AG531


def unique_but_joined(session: Session):
    stmt = select(User).options(joinedload(User.orders))  # expect: AG531
    return session.execute(stmt).unique().scalars().all()


def chained(session: Session):
    stmt = select(Order).options(joinedload(Order.user), selectinload(Order.user).joinedload(User.orders))  # expect: AG531
    return session.scalars(stmt).all()


# CORRECT
def users_ok(session: Session):
    return session.scalars(select(User).options(selectinload(User.orders))).all()


def orders_with_user(session: Session):
    return session.scalars(select(Order).options(joinedload(Order.user))).all()
