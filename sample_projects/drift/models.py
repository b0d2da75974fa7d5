"""The application's models: ahead of the migrations."""

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(30))  # no migration adds this


class AuditLog(Base):
    __tablename__ = "audit_log"  # no migration creates this

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    message: Mapped[str] = mapped_column(sa.Text)
