"""The graph rules (AG1xx) on the sample projects: exact findings, exit codes, no noise."""

from __future__ import annotations

import pytest

from alembic_guard import api


def findings(samples, name, select=("AG1",)):
    report = api.check_path(samples / name, select=select)
    return report, [(f.code, str(f.location.path), f.location.line) for f in report.findings]


V = "migrations/versions/"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("healthy", []),
        ("two_heads", [("AG101", V + "bbbbbbbbbbbb_add_user_name.py", 14)]),
        ("missing_parent", [("AG102", V + "cccccccccccc_add_phone.py", 12)]),
        ("cycle", [("AG103", V + "bbbbbbbbbbbb_add_name.py", 12)]),
        ("duplicate_id", [("AG104", V + "bbbbbbbbbbbb_add_phone_copy.py", 12)]),
        ("expand_contract", []),
    ],
)
def test_exact_graph_findings(samples, name, expected):
    report, got = findings(samples, name)
    assert got == expected
    assert report.exit_code() == (1 if expected else 0)


def test_two_heads_relates_the_other_head(samples):
    report, _ = findings(samples, "two_heads")
    (f,) = report.findings
    assert [str(r.path) for r in f.related] == [V + "cccccccccccc_add_user_phone.py"]
    assert "`bbbbbbbbbbbb`, `cccccccccccc`" in f.message
    assert "merge" in f.hint


def test_cycle_names_every_member(samples):
    report, _ = findings(samples, "cycle")
    (f,) = report.findings
    assert "`bbbbbbbbbbbb`, `cccccccccccc`" in f.message


def test_expand_contract_heads_are_intentional_but_a_label_with_two_heads_is_not(samples, tmp_path):
    import shutil

    proj = tmp_path / "ec"
    shutil.copytree(samples / "expand_contract", proj)
    extra = proj / "migrations/versions/e3e3e3e3e3e3_expand_second_head.py"
    extra.write_text('revision = "e3e3e3e3e3e3"\ndown_revision = "e1e1e1e1e1e1"\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n')
    report = api.check_path(proj, select=("AG101",))
    (f,) = report.findings
    assert f.code == "AG101" and "Branch `expand` has 2 heads" in f.message


def test_graph_rules_never_raise_on_inconsistent_files(tmp_path, samples):
    import shutil

    proj = tmp_path / "mess"
    shutil.copytree(samples / "healthy", proj)
    v = proj / "migrations/versions"
    (v / "x1.py").write_text('revision = "x1"\ndown_revision = ("x2", "nowhere")\ndepends_on = ["ghost"]\nbranch_labels = "a"\n')
    (v / "x2.py").write_text('revision = "x2"\ndown_revision = "x1"\nbranch_labels = ["a"]\n')
    (v / "x3.py").write_text('revision = "x2"\ndown_revision = None\n')
    report = api.check_path(proj, select=("AG1",))
    codes = sorted({f.code for f in report.findings})
    assert {"AG102", "AG103", "AG104", "AG106", "AG110"} <= set(codes)
    assert not any(f.code == "AG000" for f in report.findings)
