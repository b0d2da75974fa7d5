"""Settings and exit codes through the CLI: CliRunner in-process and a real subprocess.

Runs are scoped to the meta and graph rules (AG0, AG1) unless a test is about selection itself,
so rules other helpers add (operations, models...) cannot change these expectations."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from alembic_guard import formatters
from alembic_guard.cli import cli, main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_projects"
SCOPE = ("--select", "AG0,AG1")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alembic_guard", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def two_heads(tmp_path) -> Path:
    dest = tmp_path / "two heads, project"
    shutil.copytree(SAMPLES / "two_heads", dest, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    (dest / "pyproject.toml").write_text("", encoding="utf-8")
    return dest


def configure(project: Path, toml: str) -> Path:
    (project / "pyproject.toml").write_text(toml, encoding="utf-8")
    return project


def guard_error(args: list[str], capsys) -> str:
    """Run main() in-process; assert exit 2 and return stderr."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "Traceback" not in err
    return err


# ------------------------------------------------------------------ exit codes 0 / 1 / 2
def test_exit_codes_in_process(two_heads, capsys):
    runner = CliRunner()
    assert runner.invoke(cli, ["check", str(SAMPLES / "healthy"), *SCOPE]).exit_code == 0
    result = runner.invoke(cli, ["check", str(two_heads), *SCOPE])
    assert result.exit_code == 1 and "AG101" in result.output
    err = guard_error(["check", str(two_heads / "nowhere")], capsys)
    assert "no such file or directory" in err


def test_exit_codes_in_a_real_process(two_heads):
    assert run("check", str(SAMPLES / "healthy"), *SCOPE).returncode == 0
    proc = run("check", str(two_heads), "--format", "json", *SCOPE)
    assert proc.returncode == 1 and json.loads(proc.stdout)["summary"]["error"] == 1
    proc = run("check", str(two_heads), "--select", "AG9")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "AG9" in proc.stderr


# ------------------------------------------------------------------ unknown keys and codes
def test_unknown_setting_key_did_you_mean(two_heads):
    configure(two_heads, '[tool.alembic-guard]\nslect = ["AG1"]\n')
    proc = run("check", str(two_heads))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "unknown setting 'slect'" in proc.stderr and "did you mean 'select'?" in proc.stderr
    assert "pyproject.toml" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("toml, expect", [
    ('select = ["AG1O1"]', "did you mean AG101"),
    ('ignore = ["mutliple-heads"]', "did you mean multiple-heads"),
    ('[tool.alembic-guard.severity]\nAG1O1 = "info"', "did you mean AG101"),
    ('[tool.alembic-guard.per-path-ignores]\n"x/*.py" = ["AG1O1"]', "per-path-ignores 'x/*.py'"),
    ('[tool.alembic-guard.severity]\nAG101 = "fatal"', "use one of error, warning, info"),
    ('fail-on = "sometimes"', "use one of error, warning, info"),
    ('fail-on = "error"\nfail_on = "info"', "given twice"),
    ('require-reason = "yes"', "must be true or false"),
    ('select = 5', "must be a list of strings"),
    ('[tool.alembic-guard.per-path-ignores]\n"x/*.py" = 5', "for 'x/*.py'"),
    ('per-path-ignores = ["AG1"]', 'a table of "glob"'),
    ('severity = "error"', "a table of code"),
    ('workers = true', "a whole number"),
    ('[tool]\nalembic-guard = "strict"', "must be a table of settings"),
])
def test_bad_settings_exit_2(two_heads, capsys, toml, expect):
    if not toml.startswith("["):
        toml = "[tool.alembic-guard]\n" + toml
    configure(two_heads, toml + "\n")
    err = guard_error(["check", str(two_heads)], capsys)
    assert expect in err, err


def test_unknown_code_on_the_command_line(two_heads, capsys):
    err = guard_error(["check", str(two_heads), "--ignore", "AG1O1"], capsys)
    assert "--ignore" in err and "did you mean AG101" in err


def test_invalid_toml_is_exit_2(two_heads, capsys):
    configure(two_heads, "[tool.alembic-guard\nselect = 1\n")
    assert "not valid TOML" in guard_error(["check", str(two_heads)], capsys)


# ------------------------------------------------------------------ settings take effect
def check(project: Path, *args: str, scoped: bool = True):
    if scoped and "--select" not in args:
        args = (*args, *SCOPE)
    result = CliRunner().invoke(cli, ["check", str(project), "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.output)


def test_kebab_and_snake_keys(two_heads):
    configure(two_heads, '[tool.alembic-guard]\nfail-on = "error"\n[tool.alembic-guard.severity]\nAG101 = "warning"\n')
    assert check(two_heads)[0] == 0
    configure(two_heads, '[tool.alembic-guard]\nfail_on = "error"\nper_path_ignores = {}\n')
    assert check(two_heads)[0] == 1


def test_severity_override_by_prefix_and_fail_on(two_heads):
    configure(two_heads, '[tool.alembic-guard.severity]\nAG1 = "info"\n')
    code, doc = check(two_heads)
    assert code == 0 and doc["findings"][0]["severity"] == "info"
    assert check(two_heads, "--fail-on", "info")[0] == 1


def test_fail_on_flag_overrides_settings(two_heads):
    configure(two_heads, '[tool.alembic-guard]\nfail-on = "info"\n[tool.alembic-guard.severity]\nAG101 = "warning"\n')
    assert check(two_heads)[0] == 1
    assert check(two_heads, "--fail-on", "error")[0] == 0


def test_per_path_ignores(two_heads):
    configure(two_heads, '[tool.alembic-guard.per-path-ignores]\n"migrations/versions/bbbb*.py" = ["AG1"]\n')
    code, doc = check(two_heads)
    assert code == 0 and doc["findings"] == []
    configure(two_heads, '[tool.alembic-guard.per-path-ignores]\n"migrations/versions/cccc*.py" = "AG101"\n')
    assert check(two_heads)[0] == 1


def test_select_and_ignore_from_settings_and_flags(two_heads):
    configure(two_heads, '[tool.alembic-guard]\nignore = ["multiple-heads"]\n')
    code, doc = check(two_heads)
    assert code == 0 and "AG101" not in doc["rules"]
    code, doc = check(two_heads, "--select", "ag101")  # the command line wins at equal specificity
    assert code == 1 and doc["rules"] == ["AG101"]
    code, doc = check(two_heads, "--select", "AG1")  # a broader select does not undo a specific ignore
    assert code == 0 and "AG101" not in doc["rules"] and doc["rules"]
    configure(two_heads, '[tool.alembic-guard]\nselect = ["AG101"]\n')
    code, doc = check(two_heads, "--ignore", "AG101", scoped=False)
    assert code == 0 and doc["rules"] == []


def test_select_by_name_and_lower_case(two_heads):
    for selector in ("multiple-heads", "ag101", "AG10"):
        code, doc = check(two_heads, "--select", selector)
        assert code == 1 and "AG101" in doc["rules"], selector


# ------------------------------------------------------------------ output options
def test_output_file(two_heads, tmp_path):
    target = tmp_path / "out" / "report.sarif"
    result = CliRunner().invoke(cli, ["check", str(two_heads), "--format", "sarif", "--output", str(target), *SCOPE])
    assert result.exit_code == 1
    assert result.output == ""
    assert json.loads(target.read_text(encoding="utf-8"))["runs"][0]["results"][0]["ruleId"] == "AG101"


def test_output_file_in_a_real_process(two_heads, tmp_path):
    target = tmp_path / "guard.xml"
    proc = run("check", str(two_heads), "--format", "junit", "-o", str(target), *SCOPE)
    assert proc.returncode == 1 and proc.stdout == ""
    assert target.read_text(encoding="utf-8").startswith('<?xml version="1.0"')


def test_format_choices_come_from_the_registry():
    out = CliRunner().invoke(cli, ["check", "--help"]).output
    for name in formatters.names():
        assert name in out


def test_no_colour_when_not_a_tty(two_heads):
    assert "\x1b[" not in run("check", str(two_heads)).stdout


def test_rule_by_name_and_catalogue_formats():
    runner = CliRunner()
    by_name = runner.invoke(cli, ["rule", "multiple-heads"])
    assert by_name.exit_code == 0 and by_name.output.startswith("# AG101 multiple-heads")
    listed = json.loads(runner.invoke(cli, ["rules", "--format", "json"]).output)
    assert {"code": "AG101", "name": "multiple-heads"}.items() <= listed[[r["code"] for r in listed].index("AG101")].items()
    md = runner.invoke(cli, ["rules", "--format", "markdown"]).output
    assert md.startswith("| code | name |") and "[AG101](AG101.md)" in md


def test_rule_with_a_prefix_or_a_typo(capsys):
    err = guard_error(["rule", "AG1"], capsys)
    assert "'AG1' is a prefix of" in err and "AG101" in err
    err = guard_error(["rule", "multiple-head"], capsys)
    assert "did you mean multiple-heads" in err


@pytest.mark.parametrize("toml_key, value, flag", [
    ("allow-import", "true", "--import"),
    ("db", '"embedded"', "--db"),
    ("db-url", '"postgresql://u:hunter2@127.0.0.1/x"', "--db-url"),
    ("db_url", '"sqlite://"', "--db-url"),
    ("cache-dir", '".cache"', "--cache-dir"),
])
@pytest.mark.parametrize("command", ["check", "graph", "models"])
def test_pyproject_cannot_make_alembic_guard_run_project_code(toml_key, value, flag, command, tmp_path, capsys, monkeypatch):
    """The checked repository's pyproject.toml is as untrusted as its env.py: it may not turn on
    imports or round trips (or pick the cache folder). Exit 2, the setting and the flag named."""
    project = tmp_path / "p"
    shutil.copytree(SAMPLES / "booby_trapped", project, ignore=shutil.ignore_patterns("__pycache__", "expected"))
    trap = tmp_path / "trap"
    trap.mkdir()
    monkeypatch.setenv("AG_TRAP_DIR", str(trap))
    configure(project, f"[tool.alembic-guard]\n{toml_key} = {value}\n")
    err = guard_error([command, str(project)], capsys)
    assert toml_key in err and flag in err and "cannot be set" in err
    assert "hunter2" not in err
    assert not list(trap.iterdir()), "nothing of the project ran"
