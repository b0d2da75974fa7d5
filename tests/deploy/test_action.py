"""The composite GitHub Action, run step by step with bash as GitHub would run it.

action.yml is parsed, `${{ inputs.* }}` / `${{ github.* }}` are substituted exactly as the runner
does, and each `run:` script is executed with `bash --noprofile --norc -eo pipefail` (GitHub's
`shell: bash`) in a temporary workspace, with GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE
... set. The package is already installed (`version: local`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from deploy_support import LINEAR, READONLY_PASSWORD, make_project

import alembic_guard
from alembic_guard.cli.check import check as check_cmd
from alembic_guard.cli.gate import gate as gate_cmd

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
GOLDEN = Path(__file__).parent / "golden"
EXPR = re.compile(r"\$\{\{\s*([a-z]+)\.([A-Za-z0-9_.-]+)\s*\}\}")

# inputs that steer the Action itself rather than naming a CLI option
ACTION_ONLY = {"command", "version", "sarif", "summary", "python-version", "cache", "upload-sarif"}
# inputs that only steer the Action's `uses:` steps (setup-python, actions/cache), not the run script
USES_ONLY = {"version", "python-version", "cache"}
# the actions the composite Action may use, each pinned to a major version
ALLOWED_USES = {"actions/setup-python@v5", "actions/cache@v4", "github/codeql-action/upload-sarif@v3"}
# input -> option, where the names differ
RENAMED = {"allow-import": "--import", "trace-file": "--trace"}
# check options the Action deliberately does not expose, and why
NOT_EXPOSED = {
    "--output": "the Action writes its own files (--also)",
    "--also": "used by the Action itself for the summary, JSON and SARIF",
    "--progress": "a log is not a terminal",
    "--jobs": "the default (one process per CPU for large histories) suits CI runners; `jobs` in pyproject changes it",
    "--name": "rarely needed; use config",
    "--script-location": "rarely needed; use path/config",
    "--db": "the Action takes a server URL (db-url); embedded/docker back-ends are for local use",
    "--docker-image": "see --db",
    "--trace": "the lock trace is on by default in round trips; `trace = false` in pyproject turns it off",
    "--rows": "`trace-rows` in pyproject (table = N): sizing rows for the lock trace",
    "--cache": "on by default; a job's ~/.cache starts empty unless an actions/cache step restores it (docs/caching.md)",
    "--cache-dir": "ALEMBIC_GUARD_CACHE_DIR in the job's environment",
    "--exit-zero": "the Action's exit-code output and fail-on cover it (continue-on-error for a report-only job)",
    "--statistics": "the job summary lists every finding with its rule; statistics are for a terminal",
    "--color": "a log is not a terminal; annotations carry no colour",
    "--add-noqa": "edits the checkout: an adoption step for a developer's machine, not for CI",
    "--help": "",
}


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict


def substitute(text: str, inputs: dict, ctx: dict, steps: dict) -> str:
    def repl(m):
        kind, name = m.group(1), m.group(2)
        if kind == "inputs":
            spec = ACTION["inputs"][name]  # KeyError: the script names an input that does not exist
            return str(inputs.get(name, spec.get("default", "")))
        if kind == "github":
            return ctx[name]
        if kind == "steps":
            step, _, out = name.partition(".outputs.")
            return steps.get(step, {}).get(out, "")
        raise AssertionError(f"unsupported expression {m.group(0)}")

    return EXPR.sub(repl, text)


def run_action(workspace: Path, inputs: dict, extra_env: dict | None = None) -> ActionRun:
    unknown = set(inputs) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    runner_temp = workspace.parent / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    summary_file = runner_temp / "step_summary.md"
    summary_file.write_text("")
    ctx = {"action_path": str(ROOT), "workspace": str(workspace)}
    base_env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("ALEMBIC_GUARD", "GITHUB_", "INPUT_"))
    }
    base_env.update({
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(ROOT),
        **(extra_env or {}),
    })
    steps: dict[str, dict] = {}
    out_all, err_all, code = "", "", 0
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:  # GitHub's own actions: emulated (setup-python's interpreter is ours), not run
            assert step["uses"] in ALLOWED_USES, step["uses"]
            if step["uses"].startswith("actions/setup-python"):
                steps[step["id"]] = {"python-path": sys.executable}
            continue
        assert step.get("shell") == "bash" and "run" in step and "if" not in step
        output_file = runner_temp / f"output_{len(steps)}"
        output_file.write_text("")
        env = dict(base_env, GITHUB_OUTPUT=str(output_file))
        for key, value in (step.get("env") or {}).items():
            env[key] = substitute(str(value), inputs, ctx, steps)
        script = runner_temp / "step.sh"
        script.write_text(substitute(step["run"], inputs, ctx, steps))
        cwd = substitute(step.get("working-directory", "${{ github.workspace }}"), inputs, ctx, steps)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
        )
        out_all += proc.stdout
        err_all += proc.stderr
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        steps[step.get("id", f"step{len(steps)}")] = outputs
        code = proc.returncode
        if code != 0:
            break
    action_outputs = {name: substitute(spec["value"], inputs, ctx, steps) for name, spec in ACTION["outputs"].items()}
    return ActionRun(code, out_all, err_all, summary_file.read_text(), action_outputs)


def normalise(text: str, workspace: Path) -> str:
    text = text.replace(str(workspace.resolve()), "<WORKSPACE>").replace(str(workspace), "<WORKSPACE>")
    return text.replace(f'"{alembic_guard.__version__}"', '"<VERSION>"')


def sarif_without_rule_docs(text: str) -> str:
    """The rules' long texts come from their docstrings (golden-tested by the formatter's own tests);
    keep them out of this golden so a doc edit does not break the Action's test."""
    data = json.loads(text)
    for run in data["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            for key in ("fullDescription", "help"):
                if key in rule:
                    rule[key] = {k: "<from the rule's docstring>" for k in rule[key]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def golden(request, name: str, actual: str) -> None:
    path = GOLDEN / name
    if request.config.getoption("--update-golden"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden {path}: run pytest --update-golden"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden (pytest --update-golden)"


@pytest.fixture
def workspace(tmp_path, samples):
    ws = tmp_path / "workspace"
    ws.mkdir()
    for name in ("two_heads", "healthy"):
        shutil.copytree(samples / name, ws / name, ignore=shutil.ignore_patterns("expected"))
    return ws


# ---------------------------------------------------------------------- drift
def _options(command) -> set[str]:
    return {opt for p in command.params for opt in getattr(p, "opts", ()) if opt.startswith("--")} | {"--help"}


def test_inputs_map_to_cli_options():
    check_opts, gate_opts = _options(check_cmd), _options(gate_cmd)
    for name in ACTION["inputs"]:
        if name in ACTION_ONLY or name == "path":
            continue
        option = RENAMED.get(name, f"--{name}")
        assert option in check_opts | gate_opts, f"action input {name!r} has no CLI option {option} (renamed or removed?)"


def test_every_check_option_is_an_input_or_excluded_on_purpose():
    inputs = {RENAMED.get(n, f"--{n}") for n in ACTION["inputs"]}
    missing = sorted(opt for opt in _options(check_cmd) if opt not in inputs and opt not in NOT_EXPOSED)
    assert not missing, f"check options without an action input: {missing}; add inputs to action.yml or NOT_EXPOSED"
    gate_only = _options(gate_cmd) - _options(check_cmd) - {"--also", "--no-lint"}
    missing = sorted(opt for opt in gate_only if opt not in inputs)
    assert not missing, f"gate options without an action input: {missing}"


def test_every_input_reaches_the_run_script():
    run_step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "run")
    env, script = run_step["env"], run_step["run"]
    for name in ACTION["inputs"]:
        if name in USES_ONLY:
            continue
        var = "INPUT_" + name.upper().replace("-", "_")
        assert env.get(var) == f"${{{{ inputs.{name} }}}}", f"{var} is not set from inputs.{name}"
        assert f"${var}" in script or f"${{{var}" in script, f"input {name!r} is never used by the run script"
    assert "${{ inputs" not in script, "inputs must reach the script through env (no template injection)"


def test_check_option_choices_match():
    fmt = next(p for p in check_cmd.params if p.name == "output_format")
    assert "github" in fmt.type.choices and ACTION["inputs"]["format"]["default"] in fmt.type.choices


# ---------------------------------------------------------------------- running it
def test_two_heads_annotations_summary_sarif(workspace, request):
    import jsonschema

    # AG1 only: the goldens should not change whenever a rule of another family is added
    run = run_action(workspace, {"version": "local", "path": "two_heads", "sarif": "guard.sarif", "select": "AG101,AG105"})
    assert run.code == 1, run.stderr
    assert "using the installed copy" in run.stdout
    # annotation paths are relative to the workspace, as GitHub needs them
    assert "::error file=two_heads/migrations/versions/bbbbbbbbbbbb_add_user_name.py,line=14" in run.stdout
    assert run.outputs == {"exit-code": "1", "findings": "1", "sarif": "guard.sarif", "status": ""}
    golden(request, "action_two_heads.summary.md", normalise(run.summary, workspace))
    sarif_text = (workspace / "guard.sarif").read_text()
    golden(request, "action_two_heads.sarif", normalise(sarif_without_rule_docs(sarif_text), workspace))
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(json.loads(sarif_text), schema)
    assert "```mermaid" in run.summary and "| 🔴 error | `AG101` multiple-heads |" in run.summary


def test_healthy_passes_with_summary(workspace, request):
    run = run_action(workspace, {"version": "local", "path": "healthy", "select": "AG101"})
    assert run.code == 0, run.stderr
    assert run.outputs["exit-code"] == "0" and run.outputs["findings"] == "0" and run.outputs["sarif"] == ""
    golden(request, "action_healthy.summary.md", normalise(run.summary, workspace))


def test_inputs_are_passed_through(workspace):
    run = run_action(workspace, {"version": "local", "path": "two_heads", "ignore": "AG101", "format": "text", "summary": "false"})
    assert run.code == 0 and "No findings" in run.stdout and run.summary == ""
    run = run_action(workspace, {"version": "local", "path": "two_heads", "fail-on": "error", "select": "AG105"})
    assert run.code == 0
    run = run_action(workspace, {"version": "local", "path": "nowhere"})
    assert run.code == 2 and "could not analyse" in run.summary and run.outputs["exit-code"] == "2"


def test_static_only_by_default(workspace):
    """A fork's env.py is untrusted: by default nothing of the project is imported."""
    project = workspace / "two_heads"
    canary = workspace.parent / "IMPORTED"
    for target in (project / "migrations" / "env.py", project / "models.py"):
        target.write_text(f"open({str(canary)!r}, 'w').write('ran')\n" + target.read_text())
    run = run_action(workspace, {"version": "local", "path": "two_heads"})
    assert run.code == 1
    assert not canary.exists(), "the Action executed project code without allow-import/db-url"


def test_pull_request_guard_through_the_action(workspace):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=workspace, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "feature")
    versions = workspace / "healthy" / "migrations" / "versions"
    text = (versions / "bbbbbbbbbbbb_add_user_name.py").read_text()
    (versions / "dddddddddddd_add_phone.py").write_text(
        text.replace("bbbbbbbbbbbb", "dddddddddddd").replace('down_revision: Union[str, Sequence[str], None] = "aaaaaaaaaaaa"', 'down_revision: Union[str, Sequence[str], None] = "aaaaaaaaaaaa"')
    )
    run = run_action(workspace, {"version": "local", "path": "healthy", "base-ref": "main", "select": "AG109"})
    assert run.code == 1
    assert "::error file=healthy/migrations/versions/dddddddddddd_add_phone.py" in run.stdout and "AG109" in run.stdout


def test_gate_through_the_action(workspace, pg_target):
    project = make_project(workspace / "svc", LINEAR)
    pg_target.set_state(["rev002"])
    run = run_action(workspace, {"version": "local", "command": "gate", "path": "svc", "db-url": pg_target.url})
    assert run.code == 3
    assert run.outputs["status"] == "behind" and run.outputs["exit-code"] == "3"
    assert "### Pending revisions (2, in upgrade order)" in run.summary and "| `rev003` | add email |" in run.summary
    run = run_action(workspace, {"version": "local", "command": "gate", "path": "svc", "db-url": pg_target.url, "allow-pending": "true"})
    assert run.code == 0 and "✅ **up-to-date**" in run.summary
    for text in (run.stdout, run.stderr, run.summary, json.dumps(run.outputs)):
        assert READONLY_PASSWORD not in text
    run = run_action(workspace, {"version": "local", "command": "gate", "path": "svc"})
    assert run.code == 2 and "needs the db-url input" in run.stdout
    assert project.exists()


def test_install_step_builds_its_own_virtualenv_with_pinned_dependencies(workspace):
    """The default install (version empty): the Action's own checkout into a virtualenv of its own in
    RUNNER_TEMP, dependencies from the Action's constraints file; the run step uses that copy."""
    env = {"PATH": "/usr/bin:/bin"}  # no alembic-guard on PATH: the run step must use the venv's
    run = run_action(workspace, {"version": "", "path": "two_heads", "summary": "false"}, extra_env=env)
    venv = workspace.parent / "runner_temp" / "alembic-guard-venv"
    assert (venv / "bin" / "alembic-guard").exists(), run.stderr
    assert run.code == 1 and run.outputs["exit-code"] == "1", run.stdout + run.stderr
    assert "AG101" in run.stdout
    pins = dict(
        line.split(";")[0].strip().split("==")
        for line in (ROOT / ".github" / "action-constraints.txt").read_text().splitlines()
        if "==" in line and (";" not in line or "3.11" in line.split(";")[1] and ">=" in line.split(";")[1])
    )
    frozen = subprocess.run([str(venv / "bin" / "python"), "-I", "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    installed = {n.lower().replace("_", "-"): v for n, _, v in (l.partition("==") for l in frozen.splitlines()) if v}
    for name in ("alembic", "sqlalchemy", "click", "pglast", "psycopg2-binary"):
        wanted = next(v for k, v in pins.items() if k.lower().replace("_", "-") == name)
        assert installed[name] == wanted, (name, installed.get(name), wanted)
