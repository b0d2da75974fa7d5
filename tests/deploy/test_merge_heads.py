"""merge-heads: Alembic accepts the merge revision it writes, and it warns about shared tables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest
from deploy_support import make_project

from alembic_guard.workflows import merge_heads as lib
from alembic_guard.cli import main
from alembic_guard.project import Project
from alembic_guard.settings import load


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def alembic(project, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=project, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def two_heads(samples, tmp_path):
    project = tmp_path / "two_heads"
    shutil.copytree(samples / "two_heads", project)
    return project


def test_merge_is_accepted_by_alembic_and_upgrades(two_heads, pg_admin_url, capsys):
    import sqlalchemy as sa

    code, out, err = cli(capsys, "merge-heads", str(two_heads))
    assert code == 0, err
    assert "wrote migrations/versions/" in out and "merges bbbbbbbbbbbb, cccccccccccc" in out
    assert "table `user_account` is changed on several branches" in err

    heads = alembic(two_heads, "heads")
    assert heads.returncode == 0, heads.stderr
    assert len(heads.stdout.strip().splitlines()) == 1 and "(head)" in heads.stdout
    merged = [p for p in (two_heads / "migrations" / "versions").iterdir() if "merge_heads" in p.name]
    (merged_file,) = merged
    text = merged_file.read_text()
    assert "('bbbbbbbbbbbb', 'cccccccccccc')" in text and "merge heads bbbbbbbbbbbb and cccccccccccc" in text

    name = "ag_merge_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
        up = alembic(two_heads, "upgrade", "head", env={"DATABASE_URL": url})
        assert up.returncode == 0, up.stderr
        current = alembic(two_heads, "current", env={"DATABASE_URL": url})
        assert merged_file.name.split("_")[0] in current.stdout
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    code, out, _ = cli(capsys, "check", str(two_heads))
    assert code == 0 and "AG101" not in out

    code, out, _ = cli(capsys, "merge-heads", str(two_heads))
    assert code == 0 and "Nothing to merge: the history has one head" in out


def test_dry_run_writes_nothing(two_heads, capsys):
    before = sorted(p.name for p in (two_heads / "migrations" / "versions").iterdir())
    code, out, err = cli(capsys, "merge-heads", str(two_heads), "--dry-run")
    assert code == 0
    assert "would write: a revision with down_revision = ('bbbbbbbbbbbb', 'cccccccccccc')" in out
    assert "warning: table `user_account`" in err
    assert sorted(p.name for p in (two_heads / "migrations" / "versions").iterdir()) == before


def test_strict_refuses_when_tables_overlap(two_heads, capsys):
    code, _, err = cli(capsys, "merge-heads", str(two_heads), "--strict")
    assert code == 1 and "not written (--strict)" in err
    assert not [p for p in (two_heads / "migrations" / "versions").iterdir() if "merge" in p.name]


def test_single_head_says_so(samples, capsys):
    code, out, _ = cli(capsys, "merge-heads", str(samples / "healthy"))
    assert code == 0 and "one head: bbbbbbbbbbbb" in out


def test_per_branch_label(tmp_path, capsys):
    project = make_project(tmp_path / "p", [
        ("base01", None, None, "create account"),
        ("feat01", "base01", ("feature",), "feature root"),
        ("feat02", "feat01", None, "feature a"),
        ("feat03", "feat01", None, "feature b"),
        ("other1", "base01", ("other",), "other branch"),
    ])
    groups = lib.plan(Project.load(load(project)))
    assert [(g.label, g.heads, g.fork) for g in groups] == [("feature", ("feat02", "feat03"), ("feat01",))]
    code, out, err = cli(capsys, "merge-heads", str(project), "--label", "other")
    assert code == 0 and "Nothing to merge: branch `other`" in out
    code, out, err = cli(capsys, "merge-heads", str(project), "-m", "merge feature heads")
    assert code == 0, err
    assert "(branch `feature`)" in out
    graph = Project.load(load(project)).graph
    assert len(graph.heads) == 2 and "other1" in graph.heads
    (merge,) = [h for h in graph.heads if h != "other1"]
    assert graph[merge].down_revisions == ("feat02", "feat03") and graph[merge].message == "merge feature heads"
    assert alembic(project, "heads").stdout.count("(head)") == 2


def test_same_column_conflict_is_named(tmp_path):
    project = make_project(tmp_path / "p", [
        ("base01", None, None, "create account"),
        ("left01", "base01", None, "left"),
        ("right1", "base01", None, "right"),
    ])
    versions = project / "migrations" / "versions"
    (versions / "left01_left.py").write_text((versions / "left01_left.py").read_text().replace(
        'op.add_column("account", sa.Column("c_left01", sa.Text(), nullable=True))',
        'op.alter_column("account", "email", nullable=False)',
    ))
    (versions / "right1_right.py").write_text((versions / "right1_right.py").read_text().replace(
        'op.add_column("account", sa.Column("c_right1", sa.Text(), nullable=True))',
        'with op.batch_alter_table("account") as batch_op:\n        batch_op.drop_column("email")',
    ))
    (group,) = lib.plan(Project.load(load(project)))
    (warning,) = group.conflicts()
    assert warning.startswith("column `account.email` is changed on several branches")
    assert "alter_column at migrations/versions/left01_left.py" in warning and "drop_column at" in warning


def test_unrelated_tables_give_no_warning(tmp_path):
    project = make_project(tmp_path / "p", [
        ("base01", None, None, "create account"),
        ("left01", "base01", None, "left"),
        ("right1", "base01", None, "right"),
    ])
    f = project / "migrations" / "versions" / "right1_right.py"
    f.write_text(f.read_text().replace('op.add_column("account"', 'op.add_column("invoice"'))
    (group,) = lib.plan(Project.load(load(project)))
    assert group.conflicts() == []


def test_merge_updates_the_linear_history_marker(two_heads, capsys):
    marker = two_heads / "migrations" / "versions" / "HEAD"
    marker.write_text("bbbbbbbbbbbb\n")
    code, out, _ = cli(capsys, "merge-heads", str(two_heads))
    assert code == 0 and "updated migrations/versions/HEAD" in out
    code, out, _ = cli(capsys, "linear-history", "check", str(two_heads))
    assert code == 0 and "up to date" in out


def _three_heads(tmp_path, tables: dict[str, str]):
    """base01 <- mid001 <- (head02, head03) and base01 <- head01; each revision adds a column to
    the table given for it."""
    project = make_project(tmp_path / "p", [
        ("base01", None, None, "create account"),
        ("mid001", "base01", None, "shared"),
        ("head01", "base01", None, "one"),
        ("head02", "mid001", None, "two"),
        ("head03", "mid001", None, "three"),
    ])
    for path in (project / "migrations" / "versions").glob("*.py"):
        rid = path.name.split("_")[0]
        if rid in tables:
            path.write_text(path.read_text().replace('op.add_column("account"', f'op.add_column("{tables[rid]}"'))
    return project


def test_three_heads_a_shared_ancestor_is_not_a_conflict(tmp_path):
    project = _three_heads(tmp_path, {"mid001": "invoice", "head01": "orders", "head02": "users", "head03": "payments"})
    (group,) = lib.plan(Project.load(load(project)))
    assert group.heads == ("head01", "head02", "head03") and group.fork == ("base01",)
    assert group.branches == {"head01": ("head01",), "head02": ("head02",), "head03": ("head03",)}
    assert group.shared == ("mid001",)
    assert group.conflicts() == []  # mid001 is one revision that two heads share, not two changes


def test_three_heads_real_conflicts_are_still_named(tmp_path):
    project = _three_heads(tmp_path, {"mid001": "invoice", "head01": "invoice", "head02": "users", "head03": "users"})
    (group,) = lib.plan(Project.load(load(project)))
    warnings = group.conflicts()
    assert len(warnings) == 2, warnings
    invoice = next(w for w in warnings if "`invoice`" in w)
    assert "head01: add_column" in invoice and "mid001: add_column" in invoice  # concurrent with the shared part
    users = next(w for w in warnings if "`users`" in w)
    assert "head02" in users and "head03" in users and "mid001" not in users


def test_three_heads_cli_output(tmp_path, capsys):
    project = _three_heads(tmp_path, {"mid001": "invoice", "head01": "orders", "head02": "users", "head03": "payments"})
    code, out, err = cli(capsys, "merge-heads", str(project), "--dry-run")
    assert code == 0 and "warning" not in err, err
    assert "shared by some of these heads: mid001" in out
