"""`alembic-guard check path/to/versions/abc.py` (as Ruff takes a file): the project the file belongs to is
analysed as usual and the report keeps the findings about that revision file only."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alembic_guard", *args], capture_output=True, text=True, timeout=120)


def findings(*args: str) -> list[dict]:
    proc = run(*args, "--format", "json")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_a_revision_file_keeps_only_its_own_findings(samples):
    project = samples / "dangerous_ops_postgres"
    target = project / "migrations" / "versions" / "bbbbbbbbbbbb_add_status.py"
    whole = findings("check", str(project))
    mine = findings("check", str(target))
    expected = [f for f in whole if f["location"]["path"].endswith("bbbbbbbbbbbb_add_status.py")]
    assert mine and len(expected) < len(whole)
    assert [(f["code"], f["location"]["line"]) for f in mine] == [(f["code"], f["location"]["line"]) for f in expected]


def test_a_history_finding_that_names_the_file_is_kept(samples):
    target = samples / "two_heads" / "migrations" / "versions" / "cccccccccccc_add_user_phone.py"
    proc = run("check", str(target))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "AG101" in proc.stdout and "cccccccccccc_add_user_phone.py" in proc.stdout


def test_a_clean_revision_file_exits_0(samples):
    target = next((samples / "healthy" / "migrations" / "versions").glob("*.py"))
    assert run("check", str(target)).returncode == 0


def test_a_python_file_of_no_environment_is_exit_2_with_a_message(tmp_path):
    stray = tmp_path / "script.py"
    stray.write_text("print('hi')\n")
    proc = run("check", str(stray))
    assert proc.returncode == 2
    assert "not a revision file of an Alembic environment" in proc.stderr and "Traceback" not in proc.stderr
