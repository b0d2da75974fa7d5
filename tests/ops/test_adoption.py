"""Adoption on an existing project: --since, --baseline, --changed-since, suppressions (AG4xx)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from alembic_guard import api, settings as settings_mod
from alembic_guard.errors import SettingsError
from alembic_guard.formatters import json as json_fmt

from ops_helpers import git, revision_source

OLD = revision_source("a1", None, '    op.drop_column("user", "legacy")')
MID = revision_source("b2", "a1", '    op.create_index("ix_user_email", "user", ["email"])')
NEW = revision_source("c3", "b2", '    op.drop_column("user", "fax")')


def found(root, **overrides):
    report = api.check(settings_mod.load(root, select=("AG4",), **overrides))
    return sorted((f.location.revision, f.code) for f in report.findings), report


def test_since_keeps_only_later_revisions(project_factory):
    root = project_factory({"a1_old.py": OLD, "b2_mid.py": MID, "c3_new.py": NEW})
    everything, _ = found(root)
    assert ("a1", "AG410") in everything and ("b2", "AG401") in everything
    later, _ = found(root, since_revision="a1")
    assert later == sorted(x for x in everything if x[0] in ("b2", "c3"))


def test_since_unknown_revision_is_a_settings_error(project_factory):
    root = project_factory({"a1_old.py": OLD})
    with pytest.raises(SettingsError, match="no such revision"):
        found(root, since_revision="zzz")


def test_baseline_hides_known_findings_even_after_lines_move(project_factory, tmp_path):
    root = project_factory({"a1_old.py": OLD, "b2_mid.py": MID})
    _, report = found(root)
    baseline = tmp_path / "baseline.json"
    with baseline.open("w") as fh:
        json_fmt.render(report, fh)
    # move every line down: fingerprints do not contain line numbers
    (root / "migrations/versions/a1_old.py").write_text("# a comment\n\n" + OLD)
    (root / "migrations/versions/c3_new.py").write_text(NEW)
    after, _ = found(root, baseline=str(baseline))
    assert after == [("c3", "AG410")]


def test_inline_suppression_and_unused_suppression(project_factory):
    src = revision_source("a1", None, '    op.drop_column("user", "legacy")  # alembic-guard: ignore[AG410] unused since 2.0\n'
                                      '    op.add_column("user", sa.Column("x", sa.Text()))  # alembic-guard: ignore[AG410] stale')
    root = project_factory({"a1_old.py": src})
    report = api.check(settings_mod.load(root, select=("AG0", "AG410")))
    assert [(f.code, f.location.line) for f in report.findings] == [("AG001", 11)]


@pytest.fixture
def repo(project_factory):
    root = project_factory({"a1_old.py": OLD, "b2_mid.py": MID})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "feature")
    return root


def test_changed_since_reports_only_new_and_changed_revisions(repo):
    (repo / "migrations/versions/c3_new.py").write_text(NEW)  # untracked
    got, _ = found(repo, changed_since="main")
    assert {rev for rev, _ in got} == {"c3"}
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "c3")
    # a committed change to an old revision brings it back
    (repo / "migrations/versions/a1_old.py").write_text(OLD.replace('"legacy"', '"legacy2"'))
    got, _ = found(repo, changed_since="main")
    assert {rev for rev, _ in got} == {"a1", "c3"}


def test_changed_since_nothing_changed(repo):
    got, _ = found(repo, changed_since="main")
    assert got == []


def test_changed_since_unknown_ref(repo):
    with pytest.raises(SettingsError, match="unknown git ref 'nope'") as exc:
        found(repo, changed_since="nope")
    assert "fetch" in (exc.value.hint or "")


def test_changed_since_outside_git(project_factory):
    root = project_factory({"a1_old.py": OLD})
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=str(root.parent))
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "check", str(root), "--changed-since", "main"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "not inside a git repository" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_changed_since_cli_exit_codes(repo):
    (repo / "migrations/versions/c3_new.py").write_text(NEW)
    cmd = [sys.executable, "-m", "alembic_guard", "check", str(repo), "--select", "AG410", "--format", "json"]
    proc = subprocess.run(cmd + ["--changed-since", "main"], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [f["location"]["revision"] for f in data["findings"]] == ["c3"]
    proc = subprocess.run(cmd + ["--changed-since", "does-not-exist"], capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown git ref" in proc.stderr


def test_findings_and_suppressions_in_multiline_sql(project_factory):
    body = (
        '    op.execute("""\n'
        '        CREATE INDEX ix_a ON account (a);  -- a SQL comment is not a suppression: # alembic-guard: ignore[AG401]\n'
        '        CREATE INDEX ix_b ON account (b);\n'
        '    """)'
    )
    root = project_factory({"a1_old.py": revision_source("a1", None, body)})
    report = api.check(settings_mod.load(root, select=("AG0", "AG401")))
    assert [(f.code, f.location.line, f.message.split("`")[1]) for f in report.findings] == [("AG401", 11, "ix_a"), ("AG401", 12, "ix_b")]
    # a Python comment on the call covers every statement in it
    (root / "migrations/versions/a1_old.py").write_text(revision_source("a1", None, body + "  # alembic-guard: ignore[AG401] tiny lookup table"))
    report = api.check(settings_mod.load(root, select=("AG0", "AG401")))
    assert report.findings == ()
