"""Which files the app audit reads: the checked environment's own revisions yes; tests and other
environments' revision files no (issue 13)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from alembic_guard import api

SWALLOW = '''
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def {name}(session: Session, rows):
    for row in rows:
        try:
            session.add(row)
            session.flush()
        except IntegrityError:
            continue
'''
REVISION_HEAD = 'revision = "{rev}"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n'


def write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))


def test_own_revisions_in_tests_and_foreign_revisions_out(tmp_path):
    write(tmp_path, "alembic.ini", "[alembic]\nscript_location = migrations\n")
    write(tmp_path, "migrations/env.py", "target_metadata = None\n")
    write(tmp_path, "migrations/versions/a1_data.py", REVISION_HEAD.format(rev="a1") + SWALLOW.format(name="retry"))
    write(tmp_path, "app/__init__.py", "")
    write(tmp_path, "app/service.py", SWALLOW.format(name="service"))
    write(tmp_path, "tests/test_service.py", SWALLOW.format(name="helper"))
    write(tmp_path, "app/test_thing.py", SWALLOW.format(name="other_helper"))
    write(tmp_path, "tenant/versions/b1_other_env.py", REVISION_HEAD.format(rev="b1") + SWALLOW.format(name="foreign"))
    found = api.check_path(tmp_path, select=("AG540",), cache=False).findings
    assert sorted(str(f.location.path) for f in found) == ["app/service.py", "migrations/versions/a1_data.py"]
