"""The Action never runs the pull request's code (issue 17.2).

The Action's shell steps are run as GitHub runs them (tests/deploy/test_action.py's `run_action`)
in a workspace whose root holds modules that shadow what an interpreter started there would
import (json.py, pip.py, sitecustomize.py...), each writing a marker if imported, and the
booby-trapped project; the job's environment exports every database variable. No marker may
appear. A control shows the shadowing modules do fire for a non-isolated interpreter.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, SAMPLES, TRAPPED, TRAP_FILES, _trap, db_env, executed

DEPLOY = ROOT / "tests" / "deploy"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
# modules a `python3 -c` / `python3 -m pip` started in the checkout would import from it
SHADOWS = ("json", "pip", "sitecustomize", "usercustomize", "site", "typing", "runpy", "alembic_guard")


def _run_action():
    """tests/deploy/test_action.py's runner (one implementation of "run the steps as GitHub does")."""
    if str(DEPLOY) not in sys.path:
        sys.path.insert(0, str(DEPLOY))
    spec = importlib.util.spec_from_file_location("_ag_action_runner", DEPLOY / "test_action.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module.run_action


run_action = _run_action()


@pytest.fixture
def workspace(tmp_path, trap_dir) -> Path:
    ws = tmp_path / "workspace"
    ws.mkdir()
    for name in SHADOWS:
        (ws / f"{name}.py").write_text(_trap(f"root-{name}"))
    shutil.copytree(TRAPPED, ws / "proj")
    for rel, text in TRAP_FILES.items():
        (ws / "proj" / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / "proj" / rel).write_text(text)
    shutil.copytree(SAMPLES / "healthy", ws / "healthy", ignore=shutil.ignore_patterns("expected"))
    return ws


def _job_env(trap_dir: Path, url: str) -> dict[str, str]:
    env = db_env(url, base={})  # what a CI job exports for its own tests
    env["AG_TRAP_DIR"] = str(trap_dir)
    return env


def test_every_interpreter_in_the_action_is_isolated():
    """Static: each python started by a step has -I (no current folder, no PYTHON* variables)."""
    found = 0
    for step in ACTION["runs"]["steps"]:
        for line in step.get("run", "").splitlines():
            code = line.split("#", 1)[0]
            for m in re.finditer(r"\bpython3?(?:\.\d+)?\b(?P<args>[^|;&)]*)", code):
                found += 1
                # `python3 -I`, `"$venv/bin/python" -I`, `"${SETUP_PYTHON:-python3}" -I`
                assert re.match(r"""[}"']*\s+-I\b""", m.group("args")), f"not isolated (-I): {line.strip()}"
    assert found >= 3, "expected the pip installs and the JSON read-back"


@pytest.mark.postgres
def test_the_run_step_imports_nothing_from_the_checkout(workspace, trap_dir, pg_admin_url):
    run = run_action(workspace, {"version": "local", "path": "proj", "sarif": "guard.sarif"}, extra_env=_job_env(trap_dir, pg_admin_url))
    assert executed(trap_dir) == [], f"the Action ran the pull request's code: {executed(trap_dir)}\n{run.stderr}"
    assert run.code == 1, run.stderr
    # the JSON read-back (python3 -I -c 'import json ...') ran and counted the findings
    assert run.outputs["exit-code"] == "1" and int(run.outputs["findings"]) >= 5, run.outputs
    assert (workspace / "guard.sarif").exists()


@pytest.mark.postgres
def test_the_install_step_pip_imports_nothing_from_the_checkout(workspace, trap_dir, pg_admin_url):
    env = _job_env(trap_dir, pg_admin_url)
    env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(workspace / "no-wheels-here"), "PIP_CONFIG_FILE": "/dev/null"})
    run = run_action(workspace, {"version": "0.0.0.dev0", "path": "proj"}, extra_env=env)
    assert run.code != 0, "pip cannot install 0.0.0.dev0 without an index: the step should fail"
    assert "alembic-guard" in (run.stdout + run.stderr), run.stderr  # pip really ran and looked for it
    assert executed(trap_dir) == [], f"pip imported the checkout's modules: {executed(trap_dir)}"


@pytest.mark.postgres
def test_gate_through_the_action_imports_nothing(workspace, trap_dir, pg_admin_url):
    run = run_action(workspace, {"version": "local", "command": "gate", "path": "proj", "db-url": pg_admin_url, "allow-empty": "true"},
                     extra_env=_job_env(trap_dir, pg_admin_url))
    assert executed(trap_dir) == [], run.stderr
    assert run.outputs["status"] == "not-migrated", (run.stdout, run.stderr)


@pytest.mark.postgres
def test_db_url_input_asks_for_the_round_trip(workspace, trap_dir, pg_admin_url):
    """With db-url the Action opts in (--db auto, the URL from the environment): the round trip runs."""
    run = run_action(workspace, {"version": "local", "path": "healthy", "db-url": pg_admin_url, "select": "AG301",
                                 "format": "json", "summary": "false"}, extra_env={"AG_TRAP_DIR": str(trap_dir)})
    report = json.loads(run.stdout[run.stdout.index("{"):])
    assert not [s for s in report["skipped"] if "AG301" in s["codes"]], report["skipped"]
    assert run.code == 0, run.stderr


def test_control_a_plain_interpreter_in_the_checkout_imports_the_shadows(workspace, trap_dir):
    subprocess.run([sys.executable, "-c", "import json"], cwd=workspace, env={"AG_TRAP_DIR": str(trap_dir), "PATH": "/usr/bin:/bin"},
                   capture_output=True, timeout=60)
    assert executed(trap_dir) == ["EXECUTED-root-json"]
