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


def test_a_module_s_own_model_snapshot_wins_over_another_module_s(tmp_path):
    """Revision files each define their own `Incident`; the one in the file decides what is a relationship."""
    write(tmp_path, "alembic.ini", "[alembic]\nscript_location = migrations\n")
    write(tmp_path, "migrations/env.py", "target_metadata = None\n")
    head = REVISION_HEAD.replace("def upgrade():\n    pass\n", "")
    snapshot = '''
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import Session, declarative_base, relationship
from alembic import op

Base = declarative_base()


class Incident(Base):
    __tablename__ = "incident"
    id = Column(Integer, primary_key=True)
{extra}


def upgrade():
    session = Session(bind=op.get_bind())
    for incident in session.query(Incident).all():
        print(len(incident.documents))
'''
    docs = '    documents = relationship("Document")\n'
    write(tmp_path, "migrations/versions/a1_docs.py", head.format(rev="a1") + snapshot.format(extra=docs))
    write(tmp_path, "migrations/versions/b2_plain.py", head.format(rev="b2").replace("down_revision = None", 'down_revision = "a1"')
          + snapshot.format(extra="").replace("print(len(incident.documents))", "print(incident.id)"))
    found = api.check_path(tmp_path, select=("AG530",), cache=False).findings
    assert [(str(f.location.path), f.location.line) for f in found] == [("migrations/versions/a1_docs.py", 27)]
