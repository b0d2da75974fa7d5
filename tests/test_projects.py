"""Golden outputs of `alembic-guard check` on every sample project with an `expected/` folder.

For `sample_projects/<name>/expected/`:
- `args.txt` (optional): extra CLI arguments, shell-quoted, e.g. `--select AG4 --dialect mysql`;
- `check.<format>` for every format in FORMATS: the exact output;
- `exit_code`: the exit code (0, 1 or 2).
`pytest --update-golden` rewrites them all. Outputs are made machine-independent: the tool version
reads `0.0.0-test`, JSON/SARIF `facts.timings` are dropped, SARIF rules keep their summary but
not their long help text (tested in tests/formatters), and the absolute project path (which
should never appear) is replaced by `<ROOT>` so a leak shows up as a diff.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import alembic_guard
from alembic_guard.cli import cli
from alembic_guard.errors import GuardError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"
FORMATS = ("text", "json", "sarif", "github", "junit")
TEST_VERSION = "0.0.0-test"


def golden_projects() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if (p / "expected").is_dir())


def _drop_timings(value):
    if isinstance(value, dict):
        return {k: _drop_timings(v) for k, v in value.items() if k not in ("timings", "elapsed", "duration")}
    if isinstance(value, list):
        return [_drop_timings(v) for v in value]
    return value


def _short_rule_docs(data):
    """SARIF rules keep id, name, summary and level; the long help text from the docstrings is
    checked by the formatter tests, and would make every docstring edit rewrite every golden."""
    for run in data.get("runs", []):
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            for key in ("fullDescription", "help"):
                if key in rule:
                    rule[key] = {k: "<from the docstring>" for k in rule[key]}
    return data


def normalise(text: str, fmt: str, project: Path) -> str:
    text = text.replace(str(project.resolve()), "<ROOT>").replace(str(project), "<ROOT>")
    if fmt in ("json", "sarif") and text.strip().startswith("{"):
        data = _drop_timings(json.loads(text))
        if fmt == "sarif":
            data = _short_rule_docs(data)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return text


def run_check(project: Path, fmt: str, extra: list[str]) -> tuple[int, str]:
    """In-process run of `alembic-guard check`; GuardError -> exit 2 with the CLI's message."""
    result = CliRunner().invoke(cli, ["check", str(project), "--format", fmt, *extra])
    if isinstance(result.exception, GuardError):
        return 2, f"alembic-guard: error: {result.exception}\n"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture
def fixed_version(monkeypatch):
    monkeypatch.setattr(alembic_guard, "__version__", TEST_VERSION)


@pytest.mark.parametrize("project", golden_projects(), ids=lambda p: p.name)
def test_golden_outputs(project: Path, request, fixed_version, monkeypatch):
    monkeypatch.chdir(project)  # paths in outputs: project-relative, whatever the caller's cwd
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    expected = project / "expected"
    args_file = expected / "args.txt"
    extra = shlex.split(args_file.read_text(encoding="utf-8"), comments=True) if args_file.exists() else []
    update = request.config.getoption("--update-golden")
    codes = set()
    problems = []
    for fmt in FORMATS:
        code, output = run_check(project, fmt, extra)
        codes.add(code)
        output = normalise(output, fmt, project)
        assert "\x1b[" not in output, f"{project.name} {fmt}: colour codes in non-TTY output"
        golden = expected / f"check.{fmt}"
        if update:
            golden.write_text(output, encoding="utf-8")
            continue
        if not golden.exists():
            problems.append(f"missing {golden.relative_to(ROOT)} (run pytest --update-golden)")
        elif golden.read_text(encoding="utf-8") != output:
            import difflib

            delta = "".join(difflib.unified_diff(
                golden.read_text(encoding="utf-8").splitlines(True), output.splitlines(True),
                f"expected/check.{fmt}", "actual", n=2)).splitlines(True)
            if len(delta) > 40:
                delta = delta[:40] + [f"... ({len(delta) - 40} more diff lines)\n"]
            delta = "".join(delta)
            problems.append(f"{fmt} output differs (pytest --update-golden rewrites it):\n{delta}")
    assert len(codes) == 1, f"{project.name}: exit code depends on the format: {codes}"
    (code,) = codes
    exit_file = expected / "exit_code"
    if update:
        exit_file.write_text(f"{code}\n", encoding="utf-8")
    elif not exit_file.exists():
        problems.append(f"missing {exit_file.relative_to(ROOT)} (run pytest --update-golden)")
    elif int(exit_file.read_text().strip()) != code:
        problems.append(f"exit code {code}, expected {exit_file.read_text().strip()}")
    assert not problems, f"{project.name}:\n" + "\n".join(problems)


def test_goldens_are_machine_independent():
    for project in golden_projects():
        for golden in (project / "expected").glob("check.*"):
            text = golden.read_text(encoding="utf-8")
            assert str(ROOT) not in text and "<ROOT>" not in text, f"{golden}: absolute path in golden"
            if golden.suffix == ".json":
                assert json.loads(text)["tool"]["version"] == TEST_VERSION, f"{golden}: tool version not normalised"
            if golden.suffix == ".sarif":
                assert json.loads(text)["runs"][0]["tool"]["driver"]["version"] == TEST_VERSION, golden


def test_there_are_golden_samples():
    assert golden_projects(), "no sample project has an expected/ folder"
