"""The layers of docs/architecture.md hold: import-linter's contracts ([tool.importlinter] in
pyproject.toml) pass on the package, and fail on a copy of it into which an import that climbs the
layers (and closes a cycle) was put on purpose."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# The contracts name the packages scripts/relayout.py makes (workflows/, testing/, core/).
pytestmark = pytest.mark.skipif(
    not (ROOT / "alembic_guard" / "workflows").is_dir(),
    reason="the layer contracts are written for the layout of scripts/relayout.py; run it first",
)


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=where, env=env, capture_output=True, text=True,
                          timeout=300)


def test_contracts_pass():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_a_cycle_made_on_purpose_breaks_the_contracts(tmp_path):
    shutil.copytree(ROOT / "alembic_guard", tmp_path / "alembic_guard",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    findings = tmp_path / "alembic_guard" / "findings.py"
    # the vocabulary reaching up into the engine, which imports it: engine -> findings -> engine
    findings.write_text(findings.read_text() + "\nfrom alembic_guard import engine  # noqa: E402\n")
    proc = lint_imports(tmp_path)
    assert proc.returncode != 0, proc.stdout
    assert "alembic_guard.findings -> alembic_guard.engine" in proc.stdout
    assert "BROKEN" in proc.stdout
