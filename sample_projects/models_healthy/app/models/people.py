from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, NamedByClass, TimestampMixin


class AbstractThing(Base):
    __abstract__ = True
    id: Mapped[int] = mapped_column(primary_key=True)


class Person(TimestampMixin, AbstractThing):
    __tablename__ = "person"
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "person"}


class Employee(Person):
    """Single-table inheritance: columns go to `person`."""
    __mapper_args__ = {"polymorphic_identity": "employee"}


class Team(NamedByClass, Base):
    id: Mapped[int] = mapped_column(primary_key=True)
