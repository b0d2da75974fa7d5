"""The conventions users bring from Ruff: `# noqa: AG…`, --exit-zero, --statistics, --color with
NO_COLOR/FORCE_COLOR, --add-noqa, and the baseline's hidden count in the summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import PurePosixPath

import pytest

from alembic_guard.suppressions import parse
from alembic_guard.testing import check_files

BASE = 'revision = "a"\ndown_revision = None\n'
C = 'revision = "c"\ndown_revision = "a"\n'


def run_files(b_source: str, **settings):
    files = {"a_base.py": BASE, "b_two.py": b_source, "c_three.py": C}
    return sorted((f.code, f.location.line) for f in check_files(files, ("AG0", "AG101"), **settings))


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "alembic_guard", *args], capture_output=True, text=True, timeout=120, env=environ)


# ---------------------------------------------------------------- noqa
def test_noqa_with_our_code_suppresses_and_counts_as_used():
    assert run_files('revision = "b"  # noqa: AG101\ndown_revision = "a"\n') == []


def test_noqa_mixed_with_other_tools_codes():
    assert run_files('revision = "b"  # noqa: E501, AG101\ndown_revision = "a"\n') == []


def test_bare_noqa_and_other_tools_codes_are_not_ours():
    assert [s.codes for s in parse(PurePosixPath("f.py"), "x = 1  # noqa\ny = 2  # noqa: E501\n")] == []
    assert run_files('revision = "b"  # noqa\ndown_revision = "a"\n') == [("AG101", 1)]


def test_unused_noqa_is_reported_like_an_unused_suppression():
    assert run_files('revision = "b"\ndown_revision = "a"  # noqa: AG101\n') == [("AG001", 2), ("AG101", 1)]


def test_noqa_needs_no_reason_even_when_reasons_are_required():
    assert run_files('revision = "b"  # noqa: AG101\ndown_revision = "a"\n', require_reason=True) == []
    found = run_files('revision = "b"  # alembic-guard: ignore[AG101]\ndown_revision = "a"\n', require_reason=True)
    assert found == [("AG002", 1)]


def test_noqa_inside_a_string_is_text():
    assert parse(PurePosixPath("f.py"), 'x = "# noqa: AG101"\n') == []


# ---------------------------------------------------------------- exit code, statistics, colour
def test_exit_zero_keeps_the_output_but_exits_0(samples):
    proc = cli("check", str(samples / "two_heads"), "--exit-zero")
    assert proc.returncode == 0, proc.stderr
    assert "AG101" in proc.stdout


def test_exit_zero_does_not_hide_could_not_analyse(tmp_path):
    assert cli("check", str(tmp_path / "missing"), "--exit-zero").returncode == 2


def test_statistics_counts_per_rule_most_frequent_first(samples):
    proc = cli("check", str(samples / "dangerous_ops_postgres"), "--statistics")
    assert proc.returncode == 1
    rows = [line.split() for line in proc.stdout.splitlines() if line[:1].isspace() or line[:1].isdigit()]
    counts = [int(r[0]) for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    full = cli("check", str(samples / "dangerous_ops_postgres"), "--format", "json")
    findings = json.loads(full.stdout)["findings"]
    by_code: dict[str, int] = {}
    for f in findings:
        by_code[f["code"]] = by_code.get(f["code"], 0) + 1
    assert {r[1]: int(r[0]) for r in rows} == by_code  # every rule with its count, nothing else
    assert ["AG108", "[warning]", "irreversible-downgrade"] == next(r[1:] for r in rows if r[1] == "AG108")
    total = len(findings)
    assert proc.stdout.rstrip().splitlines()[-1].startswith(f"Found {total} findings")


@pytest.mark.parametrize(("flag", "env", "coloured"), [
    ("auto", {}, False),  # a pipe
    ("auto", {"FORCE_COLOR": "1"}, True),
    ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ("always", {"NO_COLOR": "1"}, True),
    ("never", {"FORCE_COLOR": "1"}, False),
])
def test_colour_follows_the_flag_and_the_conventional_variables(samples, flag, env, coloured):
    proc = cli("check", str(samples / "two_heads"), "--color", flag, env=env)
    assert ("\x1b[" in proc.stdout) is coloured, proc.stdout[:200]


# ---------------------------------------------------------------- --add-noqa
def test_add_noqa_suppresses_every_finding_in_place_and_keeps_code_valid(samples, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(samples / "dangerous_ops_postgres", project)
    before = json.loads(cli("check", str(project), "--format", "json").stdout)["findings"]
    assert before
    proc = cli("check", str(project), "--add-noqa")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Added ")
    after = cli("check", str(project))
    assert after.returncode == 0, after.stdout
    for path in (project / "migrations" / "versions").glob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")  # still Python
    raw = (project / "migrations" / "versions" / "eeeeeeeeeeee_raw_sql.py").read_text(encoding="utf-8")
    sql = raw.split('"""')[3]  # the multi-line SQL string of the raw-SQL revision is untouched
    assert "alembic-guard" not in sql


def test_add_noqa_merges_codes_into_an_existing_comment(tmp_path):
    from alembic_guard.findings import Finding, Location, Severity
    from alembic_guard.suppressions import add_comments

    (tmp_path / "m.py").write_text("x = 1  # alembic-guard: ignore[AG410] old\ny = (\n    2\n)\n", encoding="utf-8")
    path = PurePosixPath("m.py")
    findings = [Finding("AG411", Severity.WARNING, "m", Location(path, 1, 1)),
                Finding("AG412", Severity.WARNING, "m", Location(path, 2, 1)),
                Finding("AG413", Severity.WARNING, "m", Location(path, None, None))]
    written, left = add_comments(tmp_path, findings)
    assert written == {path: 2} and left == 1
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == (
        "x = 1  # alembic-guard: ignore[AG410, AG411] old\n"
        "y = (\n    2\n)  # alembic-guard: ignore[AG412] added by --add-noqa\n"
    )


# ---------------------------------------------------------------- baseline count
def test_summary_says_how_many_findings_the_baseline_hid(samples, tmp_path):
    baseline = tmp_path / "baseline.json"
    cli("check", str(samples / "two_heads"), "--format", "json", "-o", str(baseline))
    proc = cli("check", str(samples / "two_heads"), "--baseline", str(baseline))
    assert proc.returncode == 0
    assert "1 finding hidden by the baseline" in proc.stdout.splitlines()[-1]
