"""End-to-end through the real CLI entry point (exit codes, no tracebacks)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alembic_guard.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alembic_guard", *args], capture_output=True, text=True, timeout=60)


def test_healthy_sample_is_clean(samples):
    proc = run("check", str(samples / "healthy"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout


def test_two_heads_exits_1_and_names_both(samples):
    proc = run("check", str(samples / "two_heads"))
    assert proc.returncode == 1
    assert "AG101" in proc.stdout
    assert "bbbbbbbbbbbb" in proc.stdout and "cccccccccccc" in proc.stdout


@pytest.mark.parametrize("args", [["check", "/nonexistent/project"], ["check", ".", "--select", "AG999"], ["rule", "AG999"]])
def test_could_not_analyse_exits_2_without_traceback(tmp_path, args):
    proc = run(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error" in proc.stderr


def test_main_entry_point_translates_guard_errors(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["check", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no Alembic project found" in err and "alembic.ini" in err


def test_ci_script_runs_the_readme_test_command_verbatim():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```bash\n")[1:]]
    setup = [b for b in blocks if b.startswith("python3 -m venv")]
    assert len(setup) == 2, "the quick start must hold exactly the two set-up commands"
    demo, tests = setup
    assert "alembic-guard check sample_projects/" in demo
    assert "pytest" in tests
    assert tests in (root / ".ci" / "run").read_text()
