from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

app = Flask(__name__)
db = SQLAlchemy(app)
SessionLocal = sessionmaker()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)


# WRONG (one finding per project, at the first legacy query, counting the others)
def find(session: Session, email: str):
    return session.query(User).filter(User.email == email).first()  # expect: AG550


def count_posts():
    return db.session.query(Post).count()  # counted in the one finding above


def all_posts():
    return Post.query.all()  # counted in the one finding above


def inline():
    with SessionLocal() as s:
        return s.query(User).all()  # counted in the one finding above


# CORRECT
def find_ok(session: Session, email: str):
    return session.scalars(select(User).where(User.email == email)).first()


def posts_ok():
    return db.session.scalars(db.select(Post)).all()


def unrelated(search_index, text):
    return search_index.query(text)
