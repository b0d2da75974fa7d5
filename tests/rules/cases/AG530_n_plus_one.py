from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload, subqueryload

app = Flask(__name__)
db = SQLAlchemy(app)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    orders: Mapped[list["Order"]] = relationship(back_populates="user")
    profile = relationship("Profile", uselist=False)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="orders")
    items: Mapped[list["Item"]] = relationship()


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    posts = db.relationship("Post", backref="author")


# WRONG
def report(session: Session):
    users = session.execute(select(User)).scalars().all()
    for user in users:
        print(user.name, len(user.orders))  # expect: AG530


def report_query(session: Session):
    for user in session.query(User).filter(User.id > 10).all():
        print(user.profile)  # expect: AG530


def nested(session: Session):
    users = session.scalars(select(User).options(selectinload(User.orders))).all()
    for user in users:
        for order in user.orders:
            print(order.items)  # expect: AG530


def comprehension(session: Session):
    return {u.id: [o.id for o in u.orders] for u in session.scalars(select(User))}  # expect: AG530


@app.route("/authors")
def authors():
    return {a.id: len(a.posts) for a in Author.query.all()}  # expect: AG530


# CORRECT
def report_ok(session: Session):
    users = session.execute(select(User).options(selectinload(User.orders))).scalars().all()
    for user in users:
        print(user.name, len(user.orders))


def nested_ok(session: Session):
    stmt = select(User).options(selectinload(User.orders).selectinload(Order.items))
    for user in session.scalars(stmt):
        for order in user.orders:
            print(order.items)


def legacy_ok(session: Session):
    for user in session.query(User).options(subqueryload(User.orders)):
        print(len(user.orders))


def columns_only(session: Session):
    for user in session.scalars(select(User)):
        print(user.id, user.name)
