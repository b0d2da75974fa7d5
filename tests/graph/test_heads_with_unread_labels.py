"""AG101 under the severity contract: two heads are an error, unless branch labels could not be read
(then labelled branches may be intended: a warning that says so)."""

from __future__ import annotations

from alembic_guard.testing import check_files_report

BASE = 'revision = "a"\ndown_revision = None\n'


def ag101(files):
    report = check_files_report(files, select="AG101")
    return [(f.severity.name, f.message) for f in report.findings if f.code == "AG101"]


def test_two_heads_without_labels_is_an_error():
    got = ag101({"a.py": BASE, "b.py": 'revision = "b"\ndown_revision = "a"\n',
                 "c.py": 'revision = "c"\ndown_revision = "a"\n'})
    assert [s for s, _ in got] == ["ERROR"]


def test_two_heads_with_an_unread_label_is_a_warning_naming_it():
    got = ag101({"a.py": BASE,
                 "b.py": 'from app import migration\nrevision = "b"\ndown_revision = "a"\nbranch_labels = migration.EXPAND_BRANCH\n',
                 "c.py": 'revision = "c"\ndown_revision = "a"\n'})
    assert [s for s, _ in got] == ["WARNING"] and "could not be read statically" in got[0][1]
