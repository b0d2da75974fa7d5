import pathlib, os, sys
pathlib.Path(os.environ.get("AG_TRAP_DIR", "/tmp")).joinpath("EXECUTED-" + __name__.replace(".", "_")).write_text(__file__)

sys.exit(4)

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

engine = create_engine("mysql+pymysql://app@db/app")


def count_users():
    session = Session(engine)
    total = session.scalar(select(1))
    session.close()
    return total
