"""AG501/AG502 leave alone an engine made in a function and used there at once, and keep
flagging one that outlives the call (returned, stored on an object, declared global)."""

from __future__ import annotations

from pathlib import Path

from alembic_guard.testing import check_app_source

SNIPPETS = Path(__file__).resolve().parent / "snippets"


def _lines(source: str, code: str) -> list[int]:
    return sorted(f.location.line for f in check_app_source(source, filename="app.py") if f.code == code)


def test_every_engine_that_outlives_the_call_is_flagged():
    text = (SNIPPETS / "mysql_engine_factory.wrong.py").read_text()
    created = [i for i, line in enumerate(text.splitlines(), 1) if "create_engine(" in line]
    assert len(created) == 2
    assert _lines(text, "AG501") == created
    assert _lines(text, "AG502") == created


def test_global_engine_made_in_a_function_is_flagged():
    src = (
        "from sqlalchemy import create_engine\n"
        "engine = None\n"
        "def init():\n"
        "    global engine\n"
        "    engine = create_engine('mysql+pymysql://app@db/shop')\n"
        "    engine.connect()\n"
    )
    assert _lines(src, "AG501") == [5]


def test_engine_passed_on_is_flagged():
    src = (
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n"
        "def factory():\n"
        "    engine = create_engine('mysql+pymysql://app@db/shop')\n"
        "    return sessionmaker(bind=engine)\n"
    )
    assert _lines(src, "AG501") == [4]


def test_engine_used_at_once_is_not_flagged():
    text = (SNIPPETS / "mysql_engine_per_call.right.py").read_text()
    assert _lines(text, "AG501") == [] and _lines(text, "AG502") == []
