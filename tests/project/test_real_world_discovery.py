"""Issue 12's acceptance on real projects: runs only where /work/realworld holds read-only
checkouts (their code is never in this repository). `graph <repository root>` with no flags
must find every environment and give, for each, the heads Alembic's RevisionMap gives
(benchmarks/real_world_discovery.py does the comparison; `--graph-only` keeps this fast)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REALWORLD = Path("/work/realworld")
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "real_world_discovery.py"


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="no real-world checkouts on this machine (/work/realworld)")
def test_real_projects_heads_equal_alembics():
    projects = sorted(p for p in REALWORLD.iterdir() if p.is_dir())
    assert len(projects) >= 8
    proc = subprocess.run([sys.executable, str(SCRIPT), "--graph-only"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line[:1].isalpha() and ": " in line and line.rstrip().split()[-1] != "dialect"]
    assert len(rows) >= len(projects), proc.stdout
    assert "all environments analysed, heads equal Alembic's" in proc.stdout
