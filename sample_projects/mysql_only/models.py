"""The application's models."""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (sa.Index("ft_product_title", "title", mysql_prefix="FULLTEXT"), {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"})

    id: Mapped[int] = mapped_column(mysql.INTEGER(unsigned=True), primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(mysql.VARCHAR(255, charset="utf8mb4"), nullable=False)
    flags: Mapped[int] = mapped_column(mysql.TINYINT(display_width=1), nullable=False, server_default="0")
    size: Mapped[str | None] = mapped_column(mysql.ENUM("s", "m", "l"))
