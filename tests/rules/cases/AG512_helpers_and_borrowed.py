from alembic import op
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/shop")
SessionLocal = sessionmaker(bind=engine)


class Repo:
    def __init__(self, session):
        self.session = session

    def count(self):
        return self.session.scalar(select(1))


class Validator(Repo):
    pass


class Server(Repo):
    def __init__(self, session, validator):
        super().__init__(session)
        self.validator = validator


def close_quietly(session):
    session.close()


# WRONG
def leaky():
    session = SessionLocal()  # expect: AG512
    return session.scalar(select(1))


def get_db_unsafe():
    db = SessionLocal()  # expect: AG512
    yield db
    close_quietly(db)


def brief():
    session = SessionLocal()  # expect: AG512
    repo = Repo(session)
    return repo.count()


# CORRECT
def make_server():
    db = SessionLocal()
    validator = Validator(db)
    server = Server(db, validator)
    return server


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        close_quietly(db)


def upgrade():
    bind = op.get_bind()
    session = Session(bind=bind)
    session.execute(select(1))
    session.commit()


def on_flush(mapper, connection, target):
    session = Session(bind=connection)
    session.execute(select(1))
    session.commit()
