import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Blob(Base):
    __tablename__ = 'blob'
    id: Mapped[int] = mapped_column(primary_key=True)
