from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AuditBase(DeclarativeBase):
    """Added later for audit tables; env.py was not updated."""


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)


class AuditLog(AuditBase):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
