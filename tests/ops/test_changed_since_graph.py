"""`--changed-since` (and `--since`) and the AG1xx rules (issue 13): per-file graph findings (AG107 file name,
AG108 irreversible downgrade) of unchanged revisions are hidden like any per-file finding; the
whole-history findings (heads, cycles...) stay, since a new revision can break the history."""

from __future__ import annotations

import subprocess
import sys

from alembic_guard import api, settings as settings_mod

from ops_helpers import git, write_project

ADD = '    op.add_column("user", sa.Column("fax", sa.Text()))'


def revision(rev: str, down: str | None, downgrade: str = "    pass") -> str:
    # upgrade() changes the schema and downgrade() is empty: AG108 (irreversible downgrade)
    return (
        f'"""{rev}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "{rev}"\ndown_revision = {down!r}\n\n\n'
        f"def upgrade():\n{ADD}\n\n\ndef downgrade():\n{downgrade}\n"
    )


def repo(tmp_path):
    # three files named after their ids and one that is not (AG107), all but b2 with an empty downgrade
    # (b2's real one: the project does roll back, so it is not upgrade-only by policy, where AG108 is silent)
    root = write_project(tmp_path, {
        "a1_first.py": revision("a1", None), "b2_second.py": revision("b2", "a1", '    op.drop_column("user", "fax")'),
        "c3_third.py": revision("c3", "b2"), "zz_misnamed.py": revision("d4", "c3"),
    })
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "feature")
    return root


def codes(root, **overrides):
    report = api.check(settings_mod.load(root, select=("AG1",), **overrides))
    return sorted((f.code, f.location.revision) for f in report.findings)


def test_unchanged_revisions_per_file_graph_findings_are_hidden(tmp_path):
    root = repo(tmp_path)
    everything = codes(root)
    assert ("AG107", "d4") in everything and ("AG108", "a1") in everything  # really there
    (root / "app.py").write_text("x = 1\n")  # a branch that changes no migration
    assert codes(root, changed_since="main") == []


def test_cli_passes_on_a_branch_without_migration_changes(tmp_path):
    root = repo(tmp_path)
    (root / "README").write_text("docs only\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "docs")
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "check", str(root), "--changed-since", "main"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_changed_revision_and_whole_history_findings_are_kept(tmp_path):
    root = repo(tmp_path)
    # a new revision on an old parent: its own AG108, and a second head (AG101) for the history
    (root / "migrations/versions/e5_new.py").write_text(revision("e5", "c3"))
    got = codes(root, changed_since="main")
    assert ("AG108", "e5") in got
    assert any(code == "AG101" for code, _ in got)
    assert not any(rev in ("a1", "b2") for code, rev in got if code in ("AG107", "AG108")), got


def test_since_revision_hides_older_revisions_per_file_graph_findings(tmp_path):
    root = repo(tmp_path)
    got = codes(root, since_revision="b2")
    assert ("AG108", "c3") in got and ("AG107", "d4") in got  # after b2
    assert not any(rev in ("a1", "b2") for _, rev in got), got
