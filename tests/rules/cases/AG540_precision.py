# Patterns of real projects: the session is already cleaned up, the handler never returns, or the
# object is not a session at all (none of these fire); and the ones that still do.
import sys

from flask import abort
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://db/app")
SessionLocal = sessionmaker(engine)


class AppSQLAlchemy(SQLAlchemy):
    pass


db = AppSQLAlchemy()


def conflict(message):
    raise ValueError(message)


def fail_hard(message):
    log(message)
    conflict(message)


def log(message):
    print(message)


# WRONG (fires)
def nightly(cases):
    session = SessionLocal()
    for case in cases:
        try:
            session.add(case)
            session.commit()
        except IntegrityError:  # expect: AG540
            log("skipped")
    session.close()


def typed(session: Session, row):
    for _ in range(3):
        try:
            session.add(row)
            session.flush()
        except IntegrityError:  # expect: AG540
            continue


def subclass_db(user):
    try:
        db.session.add(user)
        db.session.commit()
    except IntegrityError:  # expect: AG540
        log("duplicate")
    return "ok"


def handler_logs_only(self_session_holder, row):
    try:
        self_session_holder.session.add(row)
        self_session_holder.session.commit()
    except Exception:  # expect: AG540
        log("failed")


# CORRECT (silent)
def with_inside_try(rows):
    try:
        with SessionLocal() as session:
            for row in rows:
                session.add(row)
                session.commit()
    except Exception:
        log("handled by the context manager")


async def async_with_inside_try(factory, rows):
    try:
        async with factory() as session:
            session.add_all(rows)
            await session.commit()
    except IntegrityError:
        log("closed and rolled back already")


def begin_inside_try(session, row):
    try:
        with session.begin():
            session.add(row)
    except IntegrityError:
        log("the transaction block rolled back")


def aborts(user):
    try:
        db.session.add(user)
        db.session.commit()
    except IntegrityError as e:
        if "email" in str(e):
            abort(400, message="taken")
        abort(400)


def exits(user):
    try:
        db.session.add(user)
        db.session.commit()
    except Exception as e:
        print("failed: %s" % e)
        sys.exit(1)


def helper_raises(session, user):
    try:
        session.add(user)
        session.commit()
    except IntegrityError:
        conflict("duplicate")


def helper_raises_indirectly(session, user):
    try:
        session.add(user)
        session.commit()
    except IntegrityError:
        fail_hard("duplicate")


def not_a_session(stream, synthesizer, text):
    try:
        stream.write(text)
        stream.flush()
        synthesizer.flush()
    except Exception:
        return None


def engine_call():
    try:
        engine.execute("SELECT 1")
    except DatabaseError:
        log("retry later")
