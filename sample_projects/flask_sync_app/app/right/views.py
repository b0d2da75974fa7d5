"""CORRECT versions of the sync request-handling patterns."""

from flask import Blueprint, jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Order, User
from app.right.engines import ShopSession

bp = Blueprint("right", __name__)


@bp.route("/v2/users")
def list_users():
    users = db.session.scalars(select(User).options(selectinload(User.orders))).all()
    return jsonify([{"email": u.email, "orders": len(u.orders)} for u in users])


@bp.route("/v2/users/emails")
def list_emails():
    return jsonify(db.session.scalars(select(User.email)).all())


@bp.route("/v2/users/<email>", methods=["POST"])
def create_user(email):
    try:
        db.session.add(User(email=email))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return {"error": "exists"}, 409
    return {"ok": True}, 201


def load_user(user_id):
    with ShopSession() as session:
        return session.get(User, user_id, options=[selectinload(User.orders)])


def order_totals(user_id):
    user = load_user(user_id)
    return [o.total for o in user.orders]


def rename(user_id, email):
    with ShopSession() as session:
        user = session.get(User, user_id)
        user.email = email
        session.commit()
        return user.email


def count_orders():
    with ShopSession() as session:
        return session.scalar(select(Order.id).limit(1))
