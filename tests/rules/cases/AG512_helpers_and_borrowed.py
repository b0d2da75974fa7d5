from alembic import op
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/shop")
SessionLocal = sessionmaker(bind=engine)


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


# CORRECT
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
