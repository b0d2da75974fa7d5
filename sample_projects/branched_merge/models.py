"""The application's models."""

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    name: Mapped[str | None] = mapped_column(sa.String(100))


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100), nullable=False, index=True, unique=True)


membership = sa.Table(
    "membership",
    Base.metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("user_account.id"), primary_key=True),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id"), primary_key=True),
)
