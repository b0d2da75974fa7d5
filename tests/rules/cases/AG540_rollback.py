import logging

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import exc
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

app = Flask(__name__)
db = SQLAlchemy(app)
log = logging.getLogger(__name__)


# WRONG
def register(session, user):
    try:
        session.add(user)
        session.commit()
    except IntegrityError:  # expect: AG540
        return "email already taken"
    return "ok"


def register_flask(user):
    try:
        db.session.add(user)
        db.session.commit()
    except exc.IntegrityError as e:  # expect: AG540
        log.warning("duplicate: %s", e.orig)
    return "ok"


async def register_async(session, user):
    try:
        session.add(user)
        await session.commit()
    except SQLAlchemyError:  # expect: AG540
        log.exception("insert failed")


def save_all(session, rows):
    for row in rows:
        try:
            session.add(row)
            session.flush()
        except Exception:  # expect: AG540
            continue


# CORRECT
def register_ok(session, user):
    try:
        session.add(user)
        session.commit()
    except IntegrityError:
        session.rollback()
        return "email already taken"
    return "ok"


async def register_async_ok(session, user):
    try:
        session.add(user)
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise


def reraise(session, user):
    try:
        session.add(user)
        session.commit()
    except IntegrityError as e:
        raise ValueError("duplicate") from e


def savepoints(session, records, User):
    with session.begin():
        for record in records:
            try:
                with session.begin_nested():
                    session.add(User(**record))
            except exc.IntegrityError:
                pass


def not_db(data):
    try:
        return int(data)
    except Exception:
        return None
