from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


aengine = create_async_engine("postgresql+asyncpg://app@db/shop")
engine = create_engine("postgresql+psycopg2://app@db/shop")
AsyncSessionLocal = async_sessionmaker(aengine)
KeepSessionLocal = async_sessionmaker(aengine, expire_on_commit=False)
SessionLocal = sessionmaker(engine)


# WRONG: async, default expire_on_commit
async def create_user(name: str) -> int:
    async with AsyncSessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await session.commit()
        return user.id  # expect: AG511


# WRONG: returns an expired object from an async session
async def create_user_obj(session: AsyncSession, name: str):
    user = User(name=name)
    session.add(user)
    await session.commit()
    return user  # expect: AG511


# WRONG: sync, read after the session closed
def rename(user_id: int, name: str) -> str:
    with SessionLocal() as session:
        user = session.get(User, user_id)
        user.name = name
        session.commit()
    return user.name  # expect: AG511


# CORRECT
async def create_user_refresh(name: str) -> int:
    async with AsyncSessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await session.commit()
        await session.refresh(user)
        return user.id


async def create_user_keep(name: str) -> int:
    async with KeepSessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await session.commit()
        return user.id


def rename_inside(user_id: int, name: str) -> str:
    with SessionLocal() as session:
        user = session.get(User, user_id)
        user.name = name
        session.commit()
        return user.name


def create_sync(session: Session, name: str):
    user = User(name=name)
    session.add(user)
    session.commit()
    return user
