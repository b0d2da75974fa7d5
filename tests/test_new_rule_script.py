"""scripts/new_rule.py scaffolds a rule that the registry accepts and the tests then demand."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scaffold_registers_an_importable_rule(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "alembic_guard", copy / "alembic_guard", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scripts", copy / "scripts")
    (copy / "tests" / "rules" / "cases").mkdir(parents=True)
    run = [sys.executable, str(copy / "scripts" / "new_rule.py"), "--root", str(copy)]
    proc = subprocess.run([*run, "AG499", "scaffold-probe", "--kind", "op"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (copy / "alembic_guard/rules/operations/ag499_scaffold_probe.py").exists()
    assert (copy / "tests/rules/cases/AG499_scaffold_probe.py").read_text().count("# expect: AG499") == 1
    check = (
        "from alembic_guard import rules\nfrom alembic_guard.cli import docs\n"
        "r = rules.BY_CODE['AG499']\n"
        "assert r.name == 'scaffold-probe' and r.kind == 'op' and r.family == 'operations'\n"
        "assert all(s in docs.sections(r) for s in docs.REQUIRED_SECTIONS)\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", check], cwd=copy, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert proc.stdout.strip() == "ok", proc.stderr
    again = subprocess.run([*run, "AG499", "other-name", "--kind", "op"], capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already exists" in again.stderr
    bad = subprocess.run([*run, "AG498", "ban-things", "--kind", "op"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "kebab-case" in bad.stderr
