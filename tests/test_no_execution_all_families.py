"""Static mode runs none of the project's code, across every static rule family at once.

`sample_projects/booby_trapped`: env.py, the models, the app modules, setup.py, conftest.py and
every revision file write a marker file and then exit, kill their process or loop forever if
imported. The static commands must finish, write no marker and still report their findings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample_projects" / "booby_trapped"

EXPECTED = {
    ("AG201", "app/audit_log.py"),  # model never imported by env.py
    ("AG501", "app/db.py"),  # mysql engine without pool_pre_ping
    ("AG502", "app/db.py"),  # ... nor pool_recycle
    ("AG512", "app/db.py"),  # session closed outside finally
    ("AG401", "migrations/versions/b2_email_index.py"),  # index without CONCURRENTLY
    ("AG405", "migrations/versions/c3_audit.py"),  # NOT NULL column without server default
    ("AG422", "migrations/versions/c3_audit.py"),  # revision imports the app
}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, AG_TRAP_DIR=str(tmp_path))
    env.pop("ALEMBIC_GUARD_DB_URL", None)
    # the timeout only stops a hang (a trap that ran); the test asserts no time
    return subprocess.run([sys.executable, "-m", "alembic_guard", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)


def markers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob("EXECUTED-*"))


def test_static_check_runs_nothing_and_reports_every_family(tmp_path):
    result = run(tmp_path, "check", str(SAMPLE), "--format", "json")
    assert markers(tmp_path) == []
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {(f["code"], f["location"]["path"]) for f in report["findings"]}
    assert found == EXPECTED
    families = {code[:3] for code, _ in found}
    assert families == {"AG2", "AG4", "AG5"}
    assert markers(tmp_path) == []


def test_graph_and_merge_heads_dry_run_run_nothing(tmp_path):
    graph = run(tmp_path, "graph", str(SAMPLE), "--format", "json")
    assert graph.returncode == 0, graph.stderr
    assert json.loads(graph.stdout)["heads"] == ["c3"]
    merge = run(tmp_path, "merge-heads", str(SAMPLE), "--dry-run")
    assert merge.returncode == 0, merge.stderr
    assert "one head" in merge.stdout
    assert markers(tmp_path) == []


def test_the_traps_work(tmp_path):
    """The control: importing one of the files really does write its marker (and exit)."""
    env = dict(os.environ, AG_TRAP_DIR=str(tmp_path))
    subprocess.run([sys.executable, str(SAMPLE / "app" / "db.py")], env=env, capture_output=True, timeout=60)
    assert markers(tmp_path) == ["EXECUTED-__main__"]
