"""alembic_guard.testing: the helpers every rule test relies on must not lie."""

from __future__ import annotations

import pytest

from alembic_guard import engine
from alembic_guard.testing import (
    RuleSkipped,
    assert_no_findings,
    check_files,
    check_source,
    check_source_report,
    findings_text,
    split_files,
    split_offsets,
)

TWO_HEADS = {
    "a_base.py": 'revision = "a"\ndown_revision = None\n',
    "versions/sub/b_one.py": 'revision = "b"\ndown_revision = "a"\n',
    "c_two.py": 'revision = "c"\ndown_revision = "a"\n',
}


def test_header_is_appended_so_lines_do_not_move():
    src = "x = 1\n\ndef upgrade(:\n    pass\n"  # syntax error on line 3, no revision line
    (f,) = check_source(src, "AG003")
    assert f.location.line == 3 and str(f.location.path) == "migrations/versions/a1_rev.py"


def test_source_with_revision_is_left_alone():
    report = check_source_report('revision = "zz"\ndown_revision = None\n', "AG1")
    assert report.findings == ()


def test_files_are_placed_by_key():
    from alembic_guard.testing import _target

    assert _target("a1_x.py") == "migrations/versions/a1_x.py"
    assert _target("versions/sub/b.py") == "migrations/versions/sub/b.py"
    assert _target("migrations/env.py") == "migrations/env.py"
    assert _target("models.py") == "models.py"
    assert _target("pyproject.toml") == "pyproject.toml"
    files = {k.replace("versions/sub/", ""): v for k, v in TWO_HEADS.items()}
    found = check_files(files, "AG101")
    assert [f.code for f in found] == ["AG101"]
    assert {str(found[0].location.path), *(str(r.path) for r in found[0].related)} == {
        "migrations/versions/b_one.py", "migrations/versions/c_two.py"}


def test_assert_no_findings_shows_the_findings_and_names_findings_text():
    with pytest.raises(AssertionError) as exc:
        assert_no_findings('revision = "b"  # alembic-guard: ignore[AG9999] typo\n', "AG002")
    text = str(exc.value)
    assert "expected no AG002 findings, got 1" in text and "AG9999" in text and "findings_text(" in text


def test_findings_text_renders_and_names_assert_no_findings_when_empty():
    out = findings_text('revision = "b"  # alembic-guard: ignore[AG9999] typo\n', "AG002")
    assert out.startswith("migrations/versions/b_rev.py:1:1: AG002 [warning] Suppression names unknown rule code `AG9999`")
    assert "Found" not in out  # findings only, no summary
    with pytest.raises(AssertionError) as exc:
        findings_text('revision = "b"\n', "AG002")
    assert "assert_no_findings(" in str(exc.value)


def test_a_rule_that_did_not_run_is_never_silently_clean(monkeypatch):
    monkeypatch.setitem(engine.RUNNERS, "graph", "alembic_guard.no_such_module:run")
    with pytest.raises(RuleSkipped) as exc:
        assert_no_findings('revision = "b"\n', "AG101")
    assert "AG101" in str(exc.value) and "not available" in str(exc.value)
    assert check_source('revision = "b"\n', "AG101", allow_skips=True) == []


def test_split_files_and_offsets():
    text = "import x\n# versions/a.py\nrevision = 'a'\n# versions/b.py\nrevision = 'b'\n"
    assert split_files(text) == {
        "a1_rev.py": "import x\n",
        "versions/a.py": "# versions/a.py\nrevision = 'a'\n",
        "versions/b.py": "# versions/b.py\nrevision = 'b'\n",
    }
    assert split_offsets(text) == {"versions/a.py": 1, "versions/b.py": 3}
    assert split_files("revision = 'a'\n") is None


def test_dialect_and_settings_are_passed_through():
    report = check_source_report('revision = "a"\ndown_revision = None\n', "AG0", dialect="mysql", require_reason=True)
    assert report.findings == ()


def test_broad_selections_let_database_rules_sit_out(monkeypatch):
    from alembic_guard import rules as registry
    from alembic_guard.rules._registry import Requires, graph_rule

    @graph_rule("AG199", "needs-a-database-probe", requires=Requires.DATABASE)
    def probe(graph, project):
        """Probe."""
        return ()

    monkeypatch.setattr(registry, "ALL_RULES", (*registry.ALL_RULES, probe))
    monkeypatch.setitem(registry.BY_CODE, "AG199", probe)
    src = 'revision = "a1"\ndown_revision = None\n'
    assert check_source(src, "AG1") == []  # broad: AG199 needs --db, expected to sit out
    with pytest.raises(RuleSkipped, match="AG199"):
        check_source(src, "AG199")  # named: a skip would make "no findings" meaningless
    with pytest.raises(RuleSkipped, match="AG199"):
        check_source(src, "AG19")
