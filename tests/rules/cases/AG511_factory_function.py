# Sessions built by a factory function with `AsyncSession(engine, expire_on_commit=False)`: nothing
# expires on commit, so reading attributes afterwards is fine (silent). A sync session closed before
# the read still fires.
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

engine = create_async_engine("postgresql+asyncpg://app@db/shop")
sync_engine = create_engine("postgresql://app@db/shop")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


# WRONG
def create_sync(name: str) -> str:
    with Session(sync_engine) as session:
        user = User(name=name)
        session.add(user)
        session.commit()
    return user.name  # expect: AG511


# CORRECT
def session_factory() -> AsyncSession:
    return AsyncSession(engine, expire_on_commit=False)


async def create_user(session: AsyncSession, name: str) -> int:
    user = User(name=name)
    session.add(user)
    await session.commit()
    return user.id

