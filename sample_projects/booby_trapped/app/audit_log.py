import pathlib, os, sys
pathlib.Path(os.environ.get("AG_TRAP_DIR", "/tmp")).joinpath("EXECUTED-" + __name__.replace(".", "_")).write_text(__file__)

os.kill(os.getpid(), 9)

from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base


class AuditLog(Base):  # never imported by env.py: autogenerate would drop its table
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
