"""`alembic-guard trace REV --report FILE`: one revision's measured locks, from a saved JSON report.

The reports are built with the trace model (what the round trip's recorder writes into
`facts["roundtrip"]["trace"]`); bad input is exit 2 with a message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_guard.cli import main
from alembic_guard.trace.model import LockHeld, RevisionTrace, Trace, TracedStatement
from alembic_guard.trace.render import render_text, shorten, statement_lines, summary

ALTER = TracedStatement(
    "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2)", line=14, seconds=0.25,
    locks=(LockHeld("orders", "ACCESS EXCLUSIVE"),
           LockHeld("orders_pkey", "ACCESS EXCLUSIVE", kind="index", table="orders"),
           LockHeld("ix_orders_user", "ACCESS EXCLUSIVE", kind="index", table="orders")),
    rewrites=("orders",))
FK = TracedStatement(
    "ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id)", line=15, seconds=0.04,
    locks=(LockHeld("users", "SHARE ROW EXCLUSIVE"),), scans=("orders",))
CREATE = TracedStatement(
    "CREATE TABLE audit (id SERIAL NOT NULL, PRIMARY KEY (id))", line=20, seconds=0.003,
    locks=(LockHeld("audit", "ACCESS EXCLUSIVE", existed=False),
           LockHeld("audit_pkey", "ACCESS EXCLUSIVE", kind="index", existed=False, table="audit"),
           LockHeld("audit_id_seq", "ACCESS EXCLUSIVE", kind="sequence", existed=False)))
CONCURRENT = TracedStatement(
    "CREATE INDEX CONCURRENTLY ix_users_email ON users (email)", line=9, seconds=0.1, autocommit=True,
    locks=(LockHeld("users", "SHARE UPDATE EXCLUSIVE", observed="sampled"),))

FIRST = RevisionTrace("a1b2c3d4e5f6", (ALTER, FK, CREATE), rows={"orders": 1000, "users": 50}, seconds=0.3,
                      path="migrations/versions/a1b2c3d4e5f6_money.py")
SECOND = RevisionTrace("a1ffff000000", (CONCURRENT,), rows={"users": 50}, seconds=0.1)
THIRD = RevisionTrace("b7c8d9e0f1a2", (), seconds=0.001)
TRACE = Trace({t.revision: t for t in (FIRST, SECOND, THIRD)}, server_version="15.4")


@pytest.fixture
def report(tmp_path) -> Path:
    path = tmp_path / "guard.json"
    path.write_text(json.dumps({"version": 1, "findings": [], "facts": {"roundtrip": {"trace": TRACE.to_dict()}}}))
    return path


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(["trace", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return exc.value.code, out, err


def test_text_shows_statements_locks_rewrites_and_a_summary(report, capsys):
    code, out, err = run(capsys, "a1b2c3d4e5f6", "--report", str(report))
    assert code == 0, err
    assert out.startswith("revision a1b2c3d4e5f6 (migrations/versions/a1b2c3d4e5f6_money.py): 3 statements")
    assert "line 14  ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2)  (250.0 ms)" in out
    assert "ACCESS EXCLUSIVE on orders: blocks reads and writes" in out
    assert "ACCESS EXCLUSIVE on 2 indexes of orders (orders_pkey, ix_orders_user)" in out
    assert "REWRITES orders" in out
    assert "SHARE ROW EXCLUSIVE on users: blocks writes (reads go on)" in out
    assert "reads orders whole (sequential scan)" in out
    # new relations: one line, no lock lines of their own
    assert "new: audit (table), audit_pkey (index), audit_id_seq (sequence)" in out
    assert "on audit:" not in out
    assert ("summary: orders: ACCESS EXCLUSIVE, blocks reads and writes; REWRITTEN; held for 3 statements; "
            "1,000 rows at trace time") in out
    assert "         users: SHARE ROW EXCLUSIVE, blocks writes (reads go on); 50 rows at trace time" in out


def test_prefix_head_and_range(report, capsys):
    code, out, _ = run(capsys, "b7", "--report", str(report))
    assert code == 0 and out.startswith("revision b7c8d9e0f1a2") and "no lock on a table that existed" in out
    code, out, _ = run(capsys, "head", "--report", str(report))
    assert code == 0 and out.startswith("revision b7c8d9e0f1a2")
    code, out, _ = run(capsys, "a1b2c3d4e5f6:head", "--report", str(report), "--format", "json")
    assert code == 0 and [r["revision"] for r in json.loads(out)["revisions"]] == ["a1ffff000000", "b7c8d9e0f1a2"]


def test_autocommit_statement_says_its_locks_were_sampled(report, capsys):
    code, out, _ = run(capsys, "a1ff", "--report", str(report))
    assert code == 0
    assert "[autocommit]" in out and "[sampled while it ran]" in out
    assert "SHARE UPDATE EXCLUSIVE on users: blocks autovacuum and other schema changes" in out
    assert "locks were sampled from a second connection" in out


def test_json_is_the_stored_trace_plus_a_summary(report, capsys, tmp_path):
    target = tmp_path / "out" / "trace.json"
    code, out, _ = run(capsys, "a1b2c3", "--report", str(report), "--format", "json", "-o", str(target))
    assert code == 0 and out == ""
    data = json.loads(target.read_text())
    assert data["server_version"] == "15.4"
    (rev,) = data["revisions"]
    assert RevisionTrace.from_dict(rev) == FIRST  # the stored shape, unchanged
    tables = rev["summary"]["tables"]
    assert tables["orders"] == {"mode": "ACCESS EXCLUSIVE", "blocks": ["reads", "writes", "SELECT FOR UPDATE",
                                                                      "autovacuum and other schema changes"],
                                "rewritten": True, "scanned": True, "rows": 1000, "held_for_statements": 3}
    assert tables["users"]["mode"] == "SHARE ROW EXCLUSIVE" and tables["users"]["held_for_statements"] is None
    assert rev["summary"]["created"] == ["audit", "audit_pkey", "audit_id_seq"]


@pytest.mark.parametrize("rev, message", [
    ("ffff", "revision 'ffff' is not in the trace (traced: a1b2c3d4e5f6, a1ffff000000, b7c8d9e0f1a2)"),
    ("a1", "revision prefix 'a1' is ambiguous: a1b2c3d4e5f6, a1ffff000000"),
    ("zz:head", "revision 'zz' is not in the trace"),
])
def test_unknown_or_ambiguous_revision_is_exit_2(report, capsys, rev, message):
    code, out, err = run(capsys, rev, "--report", str(report))
    assert (code, out) == (2, "") and message in err


@pytest.mark.parametrize("content, message", [
    ('{"version": 1, "findings": [], "facts": {}}', "the report holds no lock trace"),
    ("[1, 2]", "not a report written by `alembic-guard check --format json`"),
    ("{oops", "cannot read a JSON report"),
])
def test_report_without_a_trace_is_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "r.json"
    path.write_text(content)
    code, out, err = run(capsys, "head", "--report", str(path))
    assert (code, out) == (2, "") and message in err


def test_missing_report_and_no_source_are_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "head", "--report", str(tmp_path / "none.json"))
    assert code == 2 and "cannot read a JSON report" in err
    code, _, err = run(capsys, "head", str(tmp_path))
    assert code == 2 and "pass --report FILE" in err and "--db" in err


def test_empty_trace_says_why(tmp_path, capsys):
    path = tmp_path / "r.json"
    empty = Trace(note="the round trip ran on SQLite: no lock trace")
    path.write_text(json.dumps({"facts": {"roundtrip": {"trace": empty.to_dict()}}}))
    code, _, err = run(capsys, "head", "--report", str(path))
    assert code == 2 and "the trace holds no revision (the round trip ran on SQLite: no lock trace)" in err


def test_render_helpers():
    assert shorten("SELECT   1\n  FROM t", 100) == "SELECT 1 FROM t"
    assert shorten("x" * 150, 20) == "x" * 19 + "…"
    cut = shorten("SELECT dblink_connect('postgresql://u:VerySecretPw@host/db')", 40)
    assert "Very" not in cut and cut == "SELECT dblink_connect('postgresql://u:*…"  # masked, then cut
    failed = TracedStatement("ALTER TABLE t ADD COLUMN c int NOT NULL", line=None, ok=False)
    assert statement_lines(failed)[0].startswith("   line ?  ALTER TABLE t") and "[FAILED]" in statement_lines(failed)[0]
    assert "the upgrade FAILED" in render_text(RevisionTrace("r", (failed,), complete=False))
    assert summary(THIRD) == {"tables": {}, "rewritten": [], "scanned": [], "created": []}
