"""The application's models."""

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), nullable=False, index=True)
    status: Mapped[str | None] = mapped_column(sa.Enum("active", "banned", name="user_status"))
