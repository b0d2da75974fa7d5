"""WRONG versions of the sync request-handling patterns."""

from flask import Blueprint, jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Order, User
from app.wrong.engines import SessionLocal

bp = Blueprint("wrong", __name__)


@bp.route("/users")
def list_users():
    users = db.session.scalars(select(User)).all()
    return jsonify([{"email": u.email, "orders": len(u.orders)} for u in users])


@bp.route("/users/legacy")
def list_users_legacy():
    return jsonify([u.email for u in User.query.all()])


@bp.route("/users/<email>", methods=["POST"])
def create_user(email):
    try:
        db.session.add(User(email=email))
        db.session.commit()
    except IntegrityError:
        return {"error": "exists"}, 409
    return {"ok": True}, 201


@bp.route("/orders")
def orders_with_users():
    stmt = select(User).options(joinedload(User.orders))
    return jsonify([u.email for u in db.session.scalars(stmt).unique()])


def load_user(user_id):
    with SessionLocal() as session:
        return session.get(User, user_id)


def order_totals(user_id):
    user = load_user(user_id)
    return [o.total for o in user.orders]


def rename(user_id, email):
    with SessionLocal() as session:
        user = session.get(User, user_id)
        user.email = email
        session.commit()
    return user.email


def count_orders():
    session = SessionLocal()
    total = session.scalar(select(Order.id).limit(1))
    session.close()
    return total
