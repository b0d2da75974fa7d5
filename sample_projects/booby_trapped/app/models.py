import pathlib, os, sys
pathlib.Path(os.environ.get("AG_TRAP_DIR", "/tmp")).joinpath("EXECUTED-" + __name__.replace(".", "_")).write_text(__file__)

while True:
    pass

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
