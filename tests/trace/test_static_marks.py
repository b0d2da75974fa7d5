"""Marks on static findings (alembic_guard.trace.marks): the AG4xx findings of a real revision file,
read statically, against lock traces constructed for its lines. Every outcome: confirmed, not
observed (demoted, with a note), unmarked, and the AG31x findings a confirmed one covers."""

from __future__ import annotations

import io
import pathlib
import json

import pytest

from alembic_guard import api, engine, settings as settings_mod
from alembic_guard.findings import Finding, Location, Report, Severity
from alembic_guard.formatters import github, json as json_fmt, sarif, text
from alembic_guard.project import Project
from alembic_guard.rules import BY_CODE
from alembic_guard.trace import marks
from alembic_guard.trace.model import LockHeld, RevisionTrace, Trace, TracedStatement

from trace_projects import build, line_of

BODY = '''

def upgrade():
    op.create_index("ix_orders_status", "orders", ["status"])
    op.alter_column("orders", "note", type_=sa.Text(), existing_type=sa.Integer())
    op.create_foreign_key("fk_orders_users", "orders", "users", ["user_id"], ["id"])
    op.alter_column("orders", "status", existing_type=sa.String(10), nullable=False)
    op.add_column("orders", sa.Column("code", sa.String(5), nullable=False))
    op.create_check_constraint("ck_amount", "orders", "amount > 0", postgresql_not_valid=True)
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_amount")


def downgrade():
    pass
'''
RULES = {code: BY_CODE[code] for code in ("AG401", "AG403", "AG404", "AG405", "AG407", "AG409")}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("marks") / "p", BODY)
    report = api.check(settings_mod.load(root, select=("AG4",)))
    lines = {code: line_of(root, needle) for code, needle in {
        "AG401": "create_index", "AG403": '"note"', "AG404": "create_foreign_key", "AG407": '"status", existing',
        "AG405": "add_column", "AG409": "create_check_constraint"}.items()}
    return root, report.findings, lines


def at(findings, code) -> Finding:
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, [(f.code, f.message) for f in findings]
    return hits[0]


def stmt(line, sql, *locks, rewrites=(), scans=(), autocommit=False, ok=True) -> TracedStatement:
    return TracedStatement(sql=sql, line=line, locks=tuple(locks), rewrites=tuple(rewrites), scans=tuple(scans),
                           autocommit=autocommit, ok=ok)


def lock(relation, mode, **kw) -> LockHeld:
    return LockHeld(relation=relation, mode=mode, **kw)


def trace_of(*statements) -> Trace:
    return Trace(revisions={"b1": RevisionTrace(revision="b1", statements=tuple(statements))})


def test_the_static_findings_are_where_the_test_expects(project):
    _, findings, lines = project
    for code in RULES:
        assert at(findings, code).location.line == lines[code]
        assert at(findings, code).location.revision == "b1"


def test_confirmed_keeps_severity_message_and_fingerprint(project):
    _, findings, lines = project
    trace = trace_of(
        stmt(lines["AG401"], "CREATE INDEX ix_orders_status ON orders (status)", lock("orders", "SHARE")),
        stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", lock("orders", "ACCESS EXCLUSIVE"),
             rewrites=("orders", "orders_pkey")),
    )
    out = marks.mark(findings, trace, RULES)
    for code, seen in (("AG401", "the trace saw SHARE on `orders`"),
                       ("AG403", "the trace saw ACCESS EXCLUSIVE on `orders` and a rewrite of `orders`, `orders_pkey`")):
        before, after = at(findings, code), at(out, code)
        assert after.evidence == "confirmed"
        assert after.evidence_note == seen
        assert (after.severity, after.message, after.fingerprint) == (before.severity, before.message, before.fingerprint)


def test_the_table_named_first_is_the_one_the_note_names(project):
    _, findings, lines = project
    trace = trace_of(stmt(
        lines["AG404"], "ALTER TABLE orders ADD CONSTRAINT fk_orders_users FOREIGN KEY(user_id) REFERENCES users (id)",
        lock("users", "SHARE ROW EXCLUSIVE"), lock("orders", "SHARE ROW EXCLUSIVE"), scans=("orders",)))
    assert at(marks.mark(findings, trace, RULES), "AG404").evidence_note == (
        "the trace saw SHARE ROW EXCLUSIVE on `orders` and a full scan of `orders`")


def test_a_lock_taken_by_an_earlier_statement_counts(project):
    """The trace lists the locks a statement newly took; one the transaction already held (here
    from the type change two lines up) shows at the later statement as nothing new."""
    _, findings, lines = project
    trace = trace_of(
        stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE INTEGER", lock("orders", "ACCESS EXCLUSIVE"),
             rewrites=("orders",)),
        stmt(lines["AG404"], "ALTER TABLE orders ADD CONSTRAINT fk_orders_users FOREIGN KEY(user_id) REFERENCES users (id)",
             lock("users", "SHARE ROW EXCLUSIVE"), scans=("orders",)),
        stmt(lines["AG407"], "ALTER TABLE orders ALTER COLUMN status SET NOT NULL", scans=("orders",)),
    )
    out = marks.mark(findings, trace, RULES)
    assert at(out, "AG404").evidence_note == "the trace saw ACCESS EXCLUSIVE on `orders` and a full scan of `orders`"
    assert at(out, "AG407").evidence == "confirmed"
    # ... but not across a COMMIT: autocommit_block() ends the transaction first
    trace = trace_of(
        stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE INTEGER", lock("orders", "ACCESS EXCLUSIVE"),
             rewrites=("orders",)),
        stmt(lines["AG405"], "VACUUM orders", autocommit=True),
        stmt(lines["AG407"], "ALTER TABLE orders ALTER COLUMN status SET NOT NULL", scans=("orders",)),
    )
    out = marks.mark(findings, trace, RULES)
    assert at(out, "AG407").evidence == "not observed"
    assert at(out, "AG407").evidence_note.startswith("the trace saw no lock on an existing table")


def test_not_observed_is_demoted_and_says_what_the_trace_saw(project):
    _, findings, lines = project
    trace = trace_of(
        # a weaker lock than predicted
        stmt(lines["AG401"], "CREATE INDEX ix_orders_status ON orders (status)", lock("orders", "SHARE UPDATE EXCLUSIVE")),
        # varchar -> text kept in place: exclusive lock, no rewrite
        stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", lock("orders", "ACCESS EXCLUSIVE")),
        # a validated CHECK (col IS NOT NULL) let PostgreSQL skip the scan
        stmt(lines["AG407"], "ALTER TABLE orders ALTER COLUMN status SET NOT NULL"),
    )
    out = marks.mark(findings, trace, RULES)
    ag403, ag407, ag401 = at(out, "AG403"), at(out, "AG407"), at(out, "AG401")
    assert ag403.evidence == ag407.evidence == ag401.evidence == "not observed"
    assert ag403.severity is Severity.INFO and at(findings, "AG403").severity is Severity.WARNING
    assert ag403.evidence_note.startswith("the trace saw ACCESS EXCLUSIVE on `orders` and no rewrite")
    assert ag403.evidence_note.endswith("demoted from warning")
    assert ag407.evidence_note.startswith("the trace saw ACCESS EXCLUSIVE on `orders` and no full scan")
    assert ag401.evidence_note.startswith("the trace saw SHARE UPDATE EXCLUSIVE on `orders` (the rule predicted SHARE)")
    assert ag403.fingerprint == at(findings, "AG403").fingerprint


def test_demotion_is_one_step_each_way():
    assert marks.demoted(Severity.ERROR) is Severity.WARNING
    assert marks.demoted(Severity.WARNING) is Severity.INFO
    assert marks.demoted(Severity.INFO) is Severity.INFO


def test_an_error_becomes_a_warning_and_info_stays_info(project):
    _, findings, lines = project
    trace = trace_of(stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", lock("orders", "ACCESS EXCLUSIVE")))
    f = at(findings, "AG403")
    for given, expected, says in ((Severity.ERROR, Severity.WARNING, "demoted from error"), (Severity.INFO, Severity.INFO, None)):
        got = marks.mark([Finding(f.code, given, f.message, f.location, f.hint, f.related, f.anchor)], trace, RULES)[0]
        assert got.severity is expected
        assert (says in got.evidence_note) if says else ("demoted" not in got.evidence_note)


def test_unmarked_when_the_trace_cannot_tell(project):
    _, findings, lines = project
    trace = trace_of(
        # AG405 predicts a failure, not a lock: never marked
        stmt(lines["AG405"], "ALTER TABLE orders ADD COLUMN code VARCHAR(5) NOT NULL", lock("orders", "ACCESS EXCLUSIVE")),
        # the NOT VALID + VALIDATE-in-one-transaction variant of AG409 predicts nothing at its line
        stmt(lines["AG409"], "ALTER TABLE orders ADD CONSTRAINT ck_amount CHECK (amount > 0) NOT VALID",
             lock("orders", "ACCESS EXCLUSIVE")),
        # a statement at the line that is not the op's (the regex picks none)
        stmt(lines["AG407"], "COMMENT ON COLUMN orders.status IS 'x'", lock("orders", "ACCESS EXCLUSIVE")),
        # outside a transaction a missing lock was only not sampled
        stmt(lines["AG401"], "CREATE INDEX ix_orders_status ON orders (status)", autocommit=True),
        # the statement failed
        stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", ok=False),
    )  # AG404's line: no statement at all
    out = marks.mark(findings, trace, RULES)
    assert [(f.code, f.evidence) for f in out if f.evidence] == []
    assert out == list(findings)


def test_a_revision_that_was_not_traced_stays_unmarked(project):
    _, findings, lines = project
    other = Trace(revisions={"zz": RevisionTrace(revision="zz", statements=(
        stmt(lines["AG401"], "CREATE INDEX ix ON orders (status)", lock("orders", "SHARE")),))})
    assert marks.mark(findings, other, RULES) == list(findings)


def measured(code, line, message="measured") -> Finding:
    return Finding(code, Severity.WARNING, message, Location(pathlib.PurePosixPath("migrations/versions/b1_change.py"), line, 1, revision="b1"), anchor=f"b1 orders {message}")


def test_a_confirmed_static_finding_covers_the_measured_one_at_its_line(project):
    _, findings, lines = project
    trace = trace_of(
        stmt(lines["AG401"], "CREATE INDEX ix_orders_status ON orders (status)", lock("orders", "SHARE"), scans=("orders",)),
        stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE INTEGER", lock("orders", "ACCESS EXCLUSIVE"),
             rewrites=("orders",)),
        stmt(lines["AG407"], "ALTER TABLE orders ALTER COLUMN status SET NOT NULL", lock("orders", "ACCESS EXCLUSIVE"),
             scans=("orders",)),
    )
    extra = [
        measured("AG311", lines["AG403"]),  # covered: AG403 predicted and the trace confirmed the rewrite
        measured("AG313", lines["AG407"]),  # covered: AG407 predicted the scan
        measured("AG313", lines["AG401"]),  # covered: AG401 reports the write-blocking lock the scan ran under
        measured("AG311", lines["AG401"], "kept"),  # AG401 says nothing of a rewrite: not covered
        measured("AG310", lines["AG403"], "kept too"),  # AG310 is about the span, never covered
        measured("AG311", lines["AG405"], "kept as well"),  # no confirmed static finding at that line
    ]
    out = marks.mark([*findings, *extra], trace, RULES)
    assert sorted((f.code, f.message) for f in out if f.code.startswith("AG31")) == [
        ("AG310", "kept too"), ("AG311", "kept"), ("AG311", "kept as well")]


def test_not_observed_covers_nothing(project):
    _, findings, lines = project
    trace = trace_of(stmt(lines["AG407"], "ALTER TABLE orders ALTER COLUMN status SET NOT NULL",
                          lock("orders", "ACCESS EXCLUSIVE")))
    out = marks.mark([*findings, measured("AG313", lines["AG407"])], trace, RULES)
    assert at(out, "AG407").evidence == "not observed"
    assert at(out, "AG313").message == "measured"


def test_the_engine_marks_from_the_reports_json_trace(project):
    root, findings, lines = project
    trace = trace_of(stmt(lines["AG401"], "CREATE INDEX ix_orders_status ON orders (status)", lock("orders", "SHARE")))
    proj = Project.load(settings_mod.load(root, select=("AG4",)))
    facts = {"roundtrip": {"trace": json.loads(json.dumps(trace.to_dict()))}}
    out = engine._post_process(proj, [BY_CODE[c] for c in RULES], list(findings), facts)
    assert at(out, "AG401").evidence == "confirmed"
    assert engine._post_process(proj, [BY_CODE[c] for c in RULES], list(findings), {}) == list(findings)


def test_a_severity_override_is_demoted_from_what_it_set(tmp_path):
    root = build(tmp_path / "p", BODY)
    proj = Project.load(settings_mod.load(root, select=("AG403",), severity={"AG403": "error"}))
    report = api.check(settings_mod.load(root, select=("AG403",), severity={"AG403": "error"}))
    f = at(report.findings, "AG403")
    assert f.severity is Severity.ERROR
    trace = trace_of(stmt(f.location.line, "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", lock("orders", "ACCESS EXCLUSIVE")))
    raw = Finding(f.code, Severity.WARNING, f.message, f.location, f.hint, f.related, f.anchor)
    out = engine._post_process(proj, [BY_CODE["AG403"]], [raw], {"roundtrip": {"trace": trace}})
    assert at(out, "AG403").severity is Severity.WARNING  # override to error, then one step down


def test_formats_show_the_mark_and_the_baseline_does_not_move(project, tmp_path):
    root, findings, lines = project
    trace = trace_of(stmt(lines["AG403"], "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", lock("orders", "ACCESS EXCLUSIVE")))
    marked = marks.mark(findings, trace, RULES)
    report = Report(root=root, findings=tuple(marked), rules=tuple(BY_CODE[c].info() for c in RULES))
    data = json_fmt.to_dict(report)
    ag403 = next(f for f in data["findings"] if f["code"] == "AG403")
    assert ag403["evidence"]["mark"] == "not observed" and "no rewrite" in ag403["evidence"]["note"]
    assert all("evidence" not in f for f in data["findings"] if f["code"] != "AG403")
    import jsonschema

    schema = json.loads((pathlib.Path(json_fmt.__file__).parent / "report.schema.json").read_text())
    jsonschema.validate(data, schema)
    out = io.StringIO()
    text.render(report, out, colour=False)
    assert "  lock trace: not observed — the trace saw ACCESS EXCLUSIVE on `orders` and no rewrite" in out.getvalue()
    result = next(r for r in sarif.to_dict(report)["runs"][0]["results"] if r["ruleId"] == "AG403")
    assert result["properties"]["evidence"] == "not observed"
    gh = io.StringIO()
    github.render(report, gh)
    line = next(x for x in gh.getvalue().splitlines() if "AG403" in x)
    assert "%0Alock trace: not observed — the trace saw" in line and line.startswith("::notice ")
    # a baseline written before the mark still hides the marked finding
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"findings": [{"fingerprint": f.fingerprint} for f in findings]}))
    proj = Project.load(settings_mod.load(root, select=("AG4",), baseline=str(baseline)))
    assert engine._post_process(proj, [BY_CODE[c] for c in RULES], list(findings), {"roundtrip": {"trace": trace}}) == []


def test_every_declared_prediction_is_well_formed():
    import re

    from alembic_guard.rules import ALL_RULES
    from alembic_guard.trace.model import MODES

    declared = [(r, p) for r in ALL_RULES for p in r.predicts]
    assert {r.code for r, p in declared if p.predicts_anything} == {
        "AG401", "AG403", "AG404", "AG406", "AG407", "AG408", "AG409", "AG414"}
    for rule, p in declared:
        assert rule.kind == "op", rule.code
        assert p.mode is None or p.mode in MODES, (rule.code, p.mode)
        re.compile(p.statement)
