"""One report that exercises every corner a formatter must handle (shared by all formatter tests)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

import alembic_guard
from alembic_guard.findings import Finding, Location, Report, RuleInfo, Severity, Skip

TEST_VERSION = "0.0.0-test"

_DOC = """{summary}

## What it does
{what}

## Why is this bad?
Because.

## Example
```python
op.x()
```

## Use instead
```python
op.y()
```
"""


def _rule(code: str, name: str, summary: str, severity: Severity, family: str) -> RuleInfo:
    return RuleInfo(code, name, summary, _DOC.format(summary=summary, what=f"Flags {name}."), severity, family)


def make_sample_report() -> Report:
    v = PurePosixPath("migrations/versions")
    rules = (
        _rule("AG101", "multiple-heads", "The revision history has more than one head.", Severity.ERROR, "graph"),
        _rule("AG102", "missing-down-revision", "A down_revision names a revision that does not exist.", Severity.ERROR, "graph"),
        _rule("AG301", "round-trip-fails", "upgrade → downgrade → upgrade fails.", Severity.ERROR, "roundtrip"),
        _rule("AG302", "round-trip-leaks", "downgrade leaves schema behind.", Severity.WARNING, "roundtrip"),
        _rule("AG401", "create-index-locks-table", "CREATE INDEX without CONCURRENTLY.", Severity.WARNING, "operations"),
        _rule("AG410", "drop-column", "A column is dropped.", Severity.INFO, "operations"),
    )
    findings = (
        Finding(  # error, line + column, hint, related locations, revision
            "AG101", Severity.ERROR, "The history has 2 heads: `b2`, `c3`",
            Location(v / "b2_add_email.py", 14, 1, revision="b2"),
            hint="merge them: `alembic merge heads -m \"merge\"`",
            related=(Location(v / "c3_add_phone.py", 14, 1, revision="c3"), Location(v / "a1_init.py")),
            anchor="heads",
        ),
        Finding(  # no line at all, path with spaces and a comma, no hint
            "AG102", Severity.ERROR, "`b2` names down_revision `zz9`, which no file defines",
            Location(v / "old files, 2019/x y.py", revision="b2"),
        ),
        Finding(  # warning, multi-line span, percent sign, colon and comma in the message, details
            "AG401", Severity.WARNING, "CREATE INDEX on `user` locks writes: 100% of rows, table: user, columns: a,b",
            Location(v / "c3_add_phone.py", 20, 5, end_line=23, end_column=6, revision="c3"),
            hint="use `postgresql_concurrently=True`\ninside `op.get_context().autocommit_block()`",
            details="CREATE INDEX ix_user_a ON \"user\" (a, b)\n-- takes SHARE lock",
        ),
        Finding(  # info, one-line span with end column, non-ASCII text
            "AG410", Severity.INFO, "Spalte `größe` wird gelöscht — 名前 «données»",
            Location(v / "c3_add_phone.py", 30, 9, end_line=30, end_column=42, revision="c3"),
            hint="keep the column until no deployed code reads it",
        ),
        Finding(  # a code with no RuleInfo in report.rules, XML-hostile characters
            "AG000", Severity.ERROR, "rule AG401 crashed: KeyError: '<table> & \"name\"'\x1b[0m",
            Location(PurePosixPath("alembic.ini")),
            hint="this is a bug in alembic-guard; please report it",
        ),
    )
    findings = tuple(sorted(findings, key=Finding.sort_key))
    return Report(
        root=Path("/nonexistent/project"),
        findings=findings,
        rules=rules,
        skipped=(Skip(("AG301", "AG302"), "needs a database: pass --db embedded|sqlite|docker|URL"),),
        facts={"heads": ["b2", "c3"], "bases": ["a1"]},
    )


@pytest.fixture
def sample_report(monkeypatch) -> Report:
    """Covers: findings with and without lines, hints, related locations, every severity, a skipped
    family, non-ASCII text, a path with spaces and commas, a multi-line span, an unlisted code."""
    monkeypatch.setattr(alembic_guard, "__version__", TEST_VERSION)
    return make_sample_report()


@pytest.fixture
def empty_report(monkeypatch) -> Report:
    monkeypatch.setattr(alembic_guard, "__version__", TEST_VERSION)
    return Report(root=Path("/nonexistent/project"), findings=(), rules=make_sample_report().rules[:2])
