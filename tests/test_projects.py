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

import difflib
import json
import shlex
import shutil
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


def golden_problems(project: Path, update: bool) -> list[str]:
    """Compare (or, with update, rewrite) every golden output of one sample; the differences."""
    expected = project / "expected"
    args_file = expected / "args.txt"
    extra = shlex.split(args_file.read_text(encoding="utf-8"), comments=True) if args_file.exists() else []
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
            problems.append(f"missing expected/{golden.name} (run pytest --update-golden)")
        elif golden.read_text(encoding="utf-8") != output:
            delta = "".join(difflib.unified_diff(
                golden.read_text(encoding="utf-8").splitlines(True), output.splitlines(True),
                f"expected/check.{fmt}", "actual", n=2)).splitlines(True)
            if len(delta) > 40:
                delta = delta[:40] + [f"... ({len(delta) - 40} more diff lines)\n"]
            problems.append(f"{fmt} output differs (pytest --update-golden rewrites it):\n{''.join(delta)}")
    assert len(codes) == 1, f"{project.name}: exit code depends on the format: {codes}"
    (code,) = codes
    exit_file = expected / "exit_code"
    if update:
        exit_file.write_text(f"{code}\n", encoding="utf-8")
    elif not exit_file.exists():
        problems.append("missing expected/exit_code (run pytest --update-golden)")
    elif int(exit_file.read_text().strip()) != code:
        problems.append(f"exit code {code}, expected {exit_file.read_text().strip()}")
    return problems


@pytest.fixture
def in_project(monkeypatch):
    """Run from inside the project, without GITHUB_WORKSPACE: paths come out project-relative."""

    def enter(project: Path) -> None:
        monkeypatch.chdir(project)
        monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)

    return enter


@pytest.mark.parametrize("project", golden_projects(), ids=lambda p: p.name)
def test_golden_outputs(project: Path, request, fixed_version, in_project):
    in_project(project)
    problems = golden_problems(project, request.config.getoption("--update-golden"))
    assert not problems, f"{project.name}:\n" + "\n".join(problems)


def test_the_golden_machinery_catches_changes(tmp_path, fixed_version, in_project):
    project = tmp_path / "sample"
    shutil.copytree(SAMPLES / "two_heads", project, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    (project / "expected").mkdir()
    (project / "expected" / "args.txt").write_text("--select AG101  # only the heads rule\n--fail-on error\n")
    in_project(project)
    assert golden_problems(project, update=False) == [
        *(f"missing expected/check.{fmt} (run pytest --update-golden)" for fmt in FORMATS),
        "missing expected/exit_code (run pytest --update-golden)",
    ]
    assert golden_problems(project, update=True) == []
    assert golden_problems(project, update=False) == []
    assert (project / "expected" / "exit_code").read_text() == "1\n"
    assert json.loads((project / "expected" / "check.json").read_text())["rules"] == ["AG101"]  # args.txt used
    text = project / "expected" / "check.text"
    text.write_text(text.read_text().replace("2 heads", "3 heads"))
    (project / "expected" / "exit_code").write_text("0\n")
    problems = golden_problems(project, update=False)
    assert len(problems) == 2
    assert problems[0].startswith("text output differs") and "-migrations/versions/" in problems[0]
    assert problems[1] == "exit code 1, expected 0"


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
