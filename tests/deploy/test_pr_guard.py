"""Pull-request guard (AG109) and the linear-history marker (AG111), in real temporary git repos."""

from __future__ import annotations

import json
import subprocess

import pytest
from deploy_support import LINEAR, REVISION, make_project

from alembic_guard.cli import main


def git(repo, *args, check=True):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo, capture_output=True, text=True, check=check,
    )


def add_revision(project, rid, down, labels=None, message="change"):
    path = project / "migrations" / "versions" / f"{rid}_{message.replace(' ', '_')}.py"
    path.write_text(REVISION.format(rid=rid, down=down, labels=labels, message=message, revises=down or ""))
    return path


def check_json(capsys, project, *args):
    with pytest.raises(SystemExit) as exc:
        main(["check", str(project), "--format", "json", *args])
    out, err = capsys.readouterr()
    return exc.value.code, (json.loads(out) if out.strip() else None), err


@pytest.fixture
def repo(tmp_path):
    """A git repository holding an Alembic project in a sub-folder, main at rev002."""
    root = tmp_path / "repo"
    project = make_project(root / "service", LINEAR[:2])
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "two revisions")
    return root, project


def test_parallel_migration_is_flagged_with_the_head_to_reparent_onto(repo, capsys):
    root, project = repo
    git(root, "checkout", "-qb", "feature")
    add_revision(project, "feat01", "rev002", message="feature")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "feature migration")
    git(root, "checkout", "-q", "main")
    add_revision(project, "main03", "rev002", message="landed first")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main moved on")
    git(root, "checkout", "-q", "feature")

    # alone, the feature branch is fine
    code, data, _ = check_json(capsys, project, "--select", "AG1")
    assert code == 0, data["findings"]

    code, data, err = check_json(capsys, project, "--base-ref", "main", "--select", "AG1")
    assert code == 1, err
    (finding,) = [f for f in data["findings"] if f["code"] == "AG109"]
    assert finding["location"]["path"] == "migrations/versions/feat01_feature.py"
    assert finding["location"]["line"] == 10  # the down_revision line
    assert "`feat01` revises `rev002` but `main` is now at `main03`" in finding["message"]
    assert "down_revision = 'main03'" in finding["hint"]
    assert finding["related"][0]["path"] == "migrations/versions/main03_landed_first.py"

    # after merging main in and re-parenting, nothing
    git(root, "merge", "-q", "--no-edit", "main")
    code, data, _ = check_json(capsys, project, "--base-ref", "main", "--select", "AG1")
    assert [f["code"] for f in data["findings"]] == ["AG101", "AG109"]
    add_revision(project, "feat01", "main03", message="feature")
    code, data, _ = check_json(capsys, project, "--base-ref", "main", "--select", "AG1")
    assert [f["code"] for f in data["findings"]] == [] and code == 0


def test_branch_on_top_of_base_head_is_fine(repo, capsys):
    root, project = repo
    git(root, "checkout", "-qb", "feature")
    add_revision(project, "feat01", "rev002")
    add_revision(project, "feat02", "feat01")
    code, data, _ = check_json(capsys, project, "--base-ref", "main", "--select", "AG1")
    assert code == 0 and data["findings"] == []


def test_new_labelled_branch_is_intentional(repo, capsys):
    root, project = repo
    git(root, "checkout", "-q", "-b", "main2")
    add_revision(project, "main03", "rev002")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main moves")
    git(root, "checkout", "-q", "main")
    add_revision(project, "plug01", None, labels=("plugin",), message="plugin tree")
    code, data, _ = check_json(capsys, project, "--base-ref", "main2", "--select", "AG109")
    assert code == 0 and data["findings"] == []


def test_two_new_revisions_on_the_old_head_each_named(repo, capsys):
    root, project = repo
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "checkout", "-q", "main")
    add_revision(project, "main03", "rev002")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main moves")
    git(root, "checkout", "-q", "feature")
    add_revision(project, "feat01", "rev002")
    add_revision(project, "feat02", "feat01")
    code, data, _ = check_json(capsys, project, "--base-ref", "main", "--select", "AG109")
    # one chain, one finding, at its first revision (the one to re-parent), naming its head
    (finding,) = data["findings"]
    assert finding["location"]["revision"] == "feat01" and "makes `feat02` a second head" in finding["message"]


@pytest.mark.parametrize("setup,expected", [("no-git", "not inside a git repository"), ("bad-ref", "unknown git ref")])
def test_unusable_base_ref_exits_2(tmp_path, capsys, setup, expected):
    project = make_project(tmp_path / "p", LINEAR[:2])
    if setup == "bad-ref":
        git(project, "init", "-q", "-b", "main")
        git(project, "add", "-A")
        git(project, "commit", "-qm", "x")
    with pytest.raises(SystemExit) as exc:
        main(["check", str(project), "--base-ref", "origin/nope"])
    _, err = capsys.readouterr()
    assert exc.value.code == 2
    assert expected in err and "Traceback" not in err and "AG000" not in err


# ---------------------------------------------------------------------- linear history
def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out + err


def test_marker_update_check_and_stale_rule(repo, capsys):
    root, project = repo
    marker = project / "migrations" / "versions" / "HEAD"
    code, out = cli(capsys, "linear-history", "check", str(project))
    assert code == 1 and "no marker" in out
    code, out = cli(capsys, "check", str(project), "--select", "AG111")
    assert code == 0  # not opted in: nothing to say

    code, out = cli(capsys, "linear-history", "update", str(project))
    assert code == 0 and "wrote migrations/versions/HEAD: rev002" in out
    assert marker.read_text().splitlines()[-1] == "rev002"
    code, out = cli(capsys, "linear-history", "check", str(project))
    assert code == 0 and "up to date" in out
    code, out = cli(capsys, "linear-history", "update", str(project))
    assert "unchanged" in out

    add_revision(project, "rev003", "rev002")
    code, out = cli(capsys, "linear-history", "check", str(project))
    assert code == 1 and "stale" in out
    code, data, _ = check_json(capsys, project, "--select", "AG111")
    (finding,) = data["findings"]
    assert finding["message"] == "`migrations/versions/HEAD` names `rev002` but the head is `rev003`"
    assert finding["location"]["line"] == 4
    code, out = cli(capsys, "linear-history", "update", str(project))
    code, data, _ = check_json(capsys, project, "--select", "AG111")
    assert data["findings"] == []


def test_marker_turns_parallel_migrations_into_a_git_conflict(repo, capsys):
    root, project = repo
    cli(capsys, "linear-history", "update", str(project))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "opt in to linear history")
    for branch, rid in (("one", "one003"), ("two", "two003")):
        git(root, "checkout", "-q", "-b", branch, "main")
        add_revision(project, rid, "rev002")
        cli(capsys, "linear-history", "update", str(project))
        git(root, "add", "-A")
        git(root, "commit", "-qm", rid)
    git(root, "checkout", "-q", "main")
    assert git(root, "merge", "-q", "one").returncode == 0
    merge = git(root, "merge", "two", check=False)
    assert merge.returncode != 0
    assert "CONFLICT" in merge.stdout and "service/migrations/versions/HEAD" in merge.stdout


def test_base_without_migrations_has_nothing_to_compare(tmp_path, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README").write_text("x\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "empty")
    git(root, "checkout", "-qb", "feature")
    project = make_project(root / "service", LINEAR)
    code, data, _ = check_json(capsys, project, "--base-ref", "main", "--select", "AG109")
    assert code == 0 and data["findings"] == []


def test_marker_update_refuses_to_bless_two_heads(tmp_path, capsys):
    project = make_project(tmp_path / "p", [*LINEAR[:2], ("rev003", "rev001", None, "fork")])
    code, out = cli(capsys, "linear-history", "update", str(project))
    assert code == 1 and "several unlabelled heads" in out and "merge-heads" in out
    assert not (project / "migrations" / "versions" / "HEAD").exists()
