from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, declared_attr

convention = {"pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=convention)


class TimestampMixin:
    """A mixin: not a model."""


class NamedByClass:
    @declared_attr.directive
    def __tablename__(cls) -> str:
        return cls.__name__.lower()
