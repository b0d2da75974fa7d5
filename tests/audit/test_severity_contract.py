"""The severity contract on the session audit: error only when certain from what was read."""

from __future__ import annotations

from alembic_guard.testing import check_app_source

HEAD = """
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker(create_engine("postgresql://db/app"))
"""


def severities(body: str, code: str = "AG540") -> list[tuple[str, str]]:
    found = check_app_source(HEAD + body, select=(code,))
    return [(f.severity.name, f.message) for f in found]


def test_certain_session_and_the_function_carries_on_is_an_error():
    got = severities("""
def nightly(rows):
    session = SessionLocal()
    for row in rows:
        try:
            session.add(row)
            session.commit()
        except IntegrityError:
            pass
""")
    assert [s for s, _ in got] == ["ERROR"]


def test_session_type_guessed_from_its_name_is_a_warning_naming_that():
    got = severities("""
def nightly(db_session, rows):
    for row in rows:
        try:
            db_session.add(row)
            db_session.commit()
        except Exception:
            pass
""")
    assert [s for s, _ in got] == ["WARNING"] and "its type is not visible here" in got[0][1]


def test_handler_at_the_end_of_the_function_is_a_warning_naming_that():
    got = severities("""
def remind(session: Session, row):
    try:
        session.add(row)
        session.commit()
    except Exception:
        print("failed")
""")
    assert [s for s, _ in got] == ["WARNING"] and "whether the caller uses the session again" in got[0][1]


def test_failed_read_is_a_warning_naming_the_database():
    got = severities("""
def version(session: Session):
    try:
        value = session.execute("SELECT version()").scalar()
    except IntegrityError:
        value = None
    return value
""")
    assert [s for s, _ in got] == ["WARNING"] and "PostgreSQL" in got[0][1]
