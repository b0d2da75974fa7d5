"""A history kept in a version folder named after a dialect (`versions/sqlite`) is linted for
that dialect even when --dialect names another one: --dialect applies to the other histories."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alembic_guard.cli import main

MONO = Path(__file__).resolve().parents[2] / "sample_projects" / "discovery_monorepo"
INDEX = '''

def upgrade():
    op.create_index("ix_event_kind", "event", ["kind"])
'''


def _run(*args) -> tuple[int, str]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    return exc.value.code, out.getvalue()


def test_sqlite_history_is_not_linted_for_postgresql(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/events", project)
    versions = project / "src/events/server/database/_migrations/versions"
    for rev in (versions / "sqlite/sq2_more.py", versions / "postgresql/po2_more.py"):
        text = rev.read_text().replace("\n\ndef upgrade():\n    pass\n", INDEX)
        assert "create_index" in text
        rev.write_text(text)
    ini = project / "src/events/server/database/alembic.ini"
    code, out = _run("check", project, "-c", ini, "--dialect", "postgresql", "--select", "AG401",
                     "--format", "json", "--no-cache", "--no-progress")
    doc = json.loads(out)
    flagged = sorted(Path(f["location"]["path"]).parent.name for f in doc["findings"])
    assert flagged == ["postgresql"], doc["findings"]  # the same index in the SQLite history: no CONCURRENTLY there
