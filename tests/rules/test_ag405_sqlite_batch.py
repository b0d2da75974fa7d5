"""AG405 on SQLite: an error only where Alembic emits ALTER TABLE ADD COLUMN (refused even on an
empty table); a warning where the batch block recreates the table (fails only with rows)."""

from pathlib import Path

from alembic_guard.findings import Severity
from alembic_guard.testing import check_source

CASE = Path(__file__).parent / "cases" / "AG405_sqlite_batch_recreate.py"


def test_severity_follows_what_the_batch_block_emits():
    text = CASE.read_text()
    findings = check_source(text, select="AG405", dialect="sqlite")
    lines = text.splitlines()
    by_table = {}
    for f in findings:
        line = lines[f.location.line - 1]
        by_table["follower" if '"scope"' in line else "account"] = f
    assert set(by_table) == {"follower", "account"}
    assert by_table["follower"].severity == Severity.WARNING  # drop_constraint: copy and swap
    assert "has rows" in by_table["follower"].message
    assert by_table["account"].severity == Severity.ERROR  # add_column + create_index: plain ALTER


def test_plain_add_column_on_sqlite_stays_an_error():
    src = 'from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    op.add_column("t", sa.Column("c", sa.Integer(), nullable=False))\n'
    (f,) = check_source(src, select="AG405", dialect="sqlite")
    assert f.severity == Severity.ERROR
