"""The pytest plugin: round-trip checks as tests in a user's own suite (real subprocess pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"

TEST_MODULE = """
from alembic_guard.testing.checks import *  # noqa: F401,F403 - the ready-made tests


def test_custom(alembic_guard_roundtrip, alembic_guard_findings):
    assert alembic_guard_roundtrip.walked
    assert all(f.code.startswith(("AG3", "AG203")) for f in alembic_guard_findings)
"""


def _pytest(tmp_path: Path, sample: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_migrations.py").write_text(TEST_MODULE)
    env = dict(os.environ, ALEMBIC_GUARD_PROJECT=str(SAMPLES / sample), ALEMBIC_GUARD_DB="sqlite")
    env.pop("ALEMBIC_GUARD_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest_alembic", "-rf", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


def test_plugin_passes_a_healthy_project(tmp_path):
    proc = _pytest(tmp_path, "branched_merge")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout


def test_plugin_fails_exactly_the_broken_check(tmp_path):
    proc = _pytest(tmp_path, "broken_downgrade")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILED test_migrations.py::test_alembic_guard_downgrades" in proc.stdout
    assert "1 failed, 4 passed" in proc.stdout
    # the assertion message is the finding: file, code, database error
    assert "bbbbbbbbbbbb_add_user_name.py:22:1: AG302 Downgrade of `bbbbbbbbbbbb` fails" in proc.stdout
    assert "no such column" in proc.stdout
