from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class Product(Base):
    __tablename__ = "product"
    __table_args__ = {"schema": "shop"}
    id: Mapped[int] = mapped_column(primary_key=True)
