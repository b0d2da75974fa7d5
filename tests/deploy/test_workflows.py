"""CI workflow, example workflows, documented YAML and the pre-commit hooks stay valid and in
step with action.yml and the CLI."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION_INPUTS = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DOCS = [ROOT / "docs" / n for n in ("github-action.md", "pull-requests.md", "deploy-gate.md", "local.md")]
README_TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test,embedded]' && .venv/bin/python -m pytest"


def steps_of(doc: dict):
    for job in (doc.get("jobs") or {}).values():
        yield from job.get("steps") or []


def action_steps(doc: dict):
    for step in steps_of(doc):
        uses = step.get("uses", "")
        if uses == "./" or uses.startswith("alembic-guard/alembic-guard@"):
            yield step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_and_uses_real_inputs(path):
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict) and doc.get("jobs"), f"{path.name}: no jobs"
    assert (True in doc) or ("on" in doc), f"{path.name}: no trigger"  # YAML 1.1 reads `on` as True
    for name, job in doc["jobs"].items():
        assert job.get("runs-on") and job.get("steps"), f"{path.name}: job {name} lacks runs-on/steps"
    for step in action_steps(doc):
        unknown = set(step.get("with") or {}) - ACTION_INPUTS
        assert not unknown, f"{path.name}: unknown action inputs {unknown}"


def test_ci_runs_the_readme_command_with_both_servers():
    assert README_TEST_COMMAND in (ROOT / "README.md").read_text()
    doc = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = doc["jobs"]["test"]
    images = {svc["image"].split(":")[0] for svc in job["services"].values()}
    assert images == {"postgres", "mariadb"}
    runs = [s.get("run", "") for s in job["steps"]]
    assert README_TEST_COMMAND in runs
    assert job["env"]["CI"] == "true"
    assert any("alembic-guard check sample_projects/healthy" in r for r in runs)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_documented_yaml_parses_and_uses_real_inputs(path):
    text = path.read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert blocks or path.name == "local.md" or path.name == "deploy-gate.md"
    for block in blocks:
        doc = yaml.safe_load(block)
        if isinstance(doc, list):  # a fragment of steps
            doc = {"jobs": {"x": {"steps": doc}}}
        for step in action_steps(doc):
            unknown = set(step.get("with") or {}) - ACTION_INPUTS
            assert not unknown, f"{path.name}: unknown action inputs {unknown}"


def test_documented_commands_exist():
    """Every `alembic-guard <command>` in the docs is a real command."""
    from alembic_guard.cli import cli

    names = set(cli.commands)
    for path in DOCS:
        for m in re.finditer(r"alembic-guard ([a-z][a-z-]+)", path.read_text()):
            word = m.group(1)
            if word in ("check", "gate", "graph", "merge-heads", "linear-history", "rules", "rule"):
                assert word in names, f"{path.name}: `alembic-guard {word}` is not a command"


# ---------------------------------------------------------------------- pre-commit
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_pre_commit_hooks_are_real_commands():
    ids = {h["id"] for h in HOOKS}
    assert {"alembic-guard", "alembic-guard-linear-history"} <= ids
    for hook in HOOKS:
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
        assert hook["pass_filenames"] is False
        argv = shlex.split(hook["entry"])
        assert argv[0] == "alembic-guard"
        proc = subprocess.run([sys.executable, "-m", "alembic_guard", *argv[1:], "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("path,hits", [
    ("migrations/versions/abc_add_user.py", True),
    ("services/billing/alembic/versions/2024/abc.py", True),
    ("migrations/versions/HEAD", True),
    ("migrations/env.py", True),
    ("alembic.ini", True),
    ("app/models.py", True),  # models (AG2xx) and application code (AG5xx) are checked too (issue 14)
    ("app/services/orders.py", True),
    ("pyproject.toml", True),
    ("README.md", False),
    ("versions.txt", False),
    ("docs/versions/readme.md", False),
])
def test_pre_commit_files_pattern(path, hits):
    hook = next(h for h in HOOKS if h["id"] == "alembic-guard")
    assert bool(re.search(hook["files"], path)) is hits


def test_pre_commit_hook_entry_on_samples(samples):
    hook = next(h for h in HOOKS if h["id"] == "alembic-guard")
    argv = shlex.split(hook["entry"])[1:]
    for name, code in (("healthy", 0), ("two_heads", 1)):
        proc = subprocess.run([sys.executable, "-m", "alembic_guard", *argv], cwd=samples / name, capture_output=True, text=True, timeout=60)
        assert proc.returncode == code, proc.stdout + proc.stderr
