"""Garbage in, every command: exit 2 (or the documented code), one clear message, no traceback,
no password in the output.

Runs `main()` in-process with ALEMBIC_GUARD_DEBUG=1, so an internal error raises (and fails the
test with its traceback) instead of being turned into "internal error ... this is a bug".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alembic_guard.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_projects"
SECRET = "s3cretpw"
DOWN = f"postgresql://u:{SECRET}@127.0.0.1:1/x"  # nothing listens on port 1


@pytest.fixture(scope="module")
def garbage(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("garbage")
    healthy = base / "healthy"
    shutil.copytree(SAMPLES / "healthy", healthy, ignore=shutil.ignore_patterns("expected"))
    bad_ini = base / "bad_ini"
    bad_ini.mkdir()
    (bad_ini / "alembic.ini").write_text("[alembic\nscript_location = x\n")
    bad_toml = base / "bad_toml"
    shutil.copytree(healthy, bad_toml)
    (bad_toml / "pyproject.toml").write_text("[tool.alembic-guard\nselect = [\n")
    bad_setting = base / "bad_setting"
    shutil.copytree(healthy, bad_setting)
    (bad_setting / "pyproject.toml").write_text('[tool.alembic-guard]\nselekt = ["AG1"]\n')
    no_scripts = base / "no_scripts"
    no_scripts.mkdir()
    (no_scripts / "alembic.ini").write_text("[alembic]\nscript_location = nowhere\n")
    ini_is_dir = base / "ini_is_dir"
    (ini_is_dir / "alembic.ini").mkdir(parents=True)
    a_file = base / "a_file.txt"
    a_file.write_text("hello\n")
    not_json = base / "not_json.json"
    not_json.write_text("garbage\n")
    wrong_shape = base / "wrong_shape.json"
    wrong_shape.write_text(json.dumps({"version": 1, "findings": "nope"}))
    bad_severity = base / "bad_severity.json"
    bad_severity.write_text(json.dumps({"version": 1, "findings": [{"code": "AG101", "severity": "fatal", "message": "x"}]}))
    return {
        "healthy": str(healthy), "bad_ini": str(bad_ini), "bad_toml": str(bad_toml),
        "bad_setting": str(bad_setting), "no_scripts": str(no_scripts), "ini_is_dir": str(ini_is_dir),
        "a_file": str(a_file), "not_json": str(not_json), "wrong_shape": str(wrong_shape),
        "bad_severity": str(bad_severity), "missing": str(base / "does-not-exist"),
    }


# (command line with {placeholders}, expected exit code, words the message must contain)
CASES = {
    # check: the project
    "check-missing-path": ("check {missing}", 2, "no such file or directory"),
    "check-file-not-dir": ("check {a_file}", 2, "not a valid ini file"),
    "check-invalid-ini": ("check {bad_ini}", 2, "not a valid ini file"),
    "check-ini-is-a-dir": ("check {ini_is_dir}", 2, "alembic.ini: it is a directory, not a regular file"),
    "check-no-script-location": ("check {no_scripts}", 2, "is not a directory"),
    "check-invalid-toml": ("check {bad_toml}", 2, "not valid TOML"),
    "check-unknown-setting": ("check {bad_setting}", 2, "unknown setting 'selekt'"),
    "check-missing-config": ("check {healthy} -c {missing}", 2, "no such file"),
    # check: options
    "check-unknown-option": ("check {healthy} --bogus-option", 2, "No such option"),
    "check-unknown-format": ("check {healthy} --format bogus", 2, "Invalid value for '--format'"),
    "check-unknown-fail-on": ("check {healthy} --fail-on bogus", 2, "Invalid value for '--fail-on'"),
    "check-unknown-code": ("check {healthy} --select NOPE", 2, "unknown rule code"),
    "check-unknown-dialect": ("check {healthy} --dialect oracle9", 2, "must be one of postgresql"),
    "check-bad-server-version": ("check {healthy} --server-version abc", 2, "version number"),
    "check-shard-garbage": ("check {healthy} --shard abc", 2, "K/N"),
    "check-shard-k-above-n": ("check {healthy} --shard 3/2", 2, "K/N"),
    "check-shard-zero": ("check {healthy} --shard 0/0", 2, "K/N"),
    "check-baseline-garbage": ("check {healthy} --baseline {not_json}", 2, "not a JSON report"),
    "check-baseline-missing": ("check {healthy} --baseline {missing}", 2, "--baseline"),
    "check-changed-since-outside-git": ("check {healthy} --changed-since main", 2, "not inside a git repository"),
    "check-import-timeout-zero": ("check {healthy} --import --import-timeout 0", 2, "positive number of seconds"),
    "check-import-timeout-negative": ("check {healthy} --import --import-timeout -1", 2, "positive number of seconds"),
    "check-step-timeout-negative": ("check {healthy} --step-timeout -5", 2, "positive number of seconds"),
    "check-output-unwritable": ("check {healthy} -o /proc/guard.json --format json", 2, "cannot write /proc/guard.json"),
    "check-also-to-a-dir": ("check {healthy} --also sarif={healthy}", 2, "Is a directory"),
    "check-also-garbage": ("check {healthy} --also bogus", 2, "FORMAT=FILE"),
    "check-output-is-a-dir": ("check {healthy} -o {healthy}", 2, "is a directory"),
    # check --db
    "check-db-unreachable": (f"check {{healthy}} --db {DOWN}", 2, "cannot connect to"),
    "check-db-unknown-value": ("check {healthy} --db notaurl", 2, "unknown --db value"),
    "check-db-unknown-driver": (f"check {{healthy}} --db mysql+nodriver://u:{SECRET}@127.0.0.1:1/x", 2, "knows no driver"),
    "check-db-bad-port": (f"check {{healthy}} --db postgresql://u:{SECRET}@127.0.0.1:notaport/x", 2, "not a valid database URL"),
    "check-db-other-backend": (f"check {{healthy}} --db oracle://u:{SECRET}@127.0.0.1:1/x", 2, "PostgreSQL or MySQL"),
    # graph
    "graph-missing-path": ("graph {missing}", 2, "does-not-exist"),
    "graph-invalid-ini": ("graph {bad_ini}", 2, "not a valid ini file"),
    "graph-invalid-toml": ("graph {bad_toml}", 2, "not valid TOML"),
    "graph-unknown-format": ("graph {healthy} --format bogus", 2, "Invalid value for '--format'"),
    "graph-output-unwritable": ("graph {healthy} -o /proc/graph.txt", 2, "cannot write /proc/graph.txt"),
    # rules / rule
    "rules-unknown-format": ("rules --format bogus", 2, "Invalid value for '--format'"),
    "rule-unknown-code": ("rule AG999", 2, "unknown rule code"),
    "rule-unknown-name": ("rule nope-name", 2, "unknown rule code"),
    "rule-empty": ("rule ''", 2, "no rule given"),
    "rule-prefix": ("rule AG4", 2, "is a prefix of"),
    # gate
    "gate-no-url": ("gate {healthy}", 2, "Missing option '--db-url'"),
    "gate-unreachable": (f"gate {{healthy}} --db-url {DOWN}", 2, "cannot connect to"),
    "gate-not-a-url": ("gate {healthy} --db-url notaurl", 2, "not a database URL"),
    "gate-bad-port": (f"gate {{healthy}} --db-url postgresql://u:{SECRET}@127.0.0.1:notaport/x", 2, "not a database URL"),
    "gate-unknown-driver": (f"gate {{healthy}} --db-url mysql+nodriver://u:{SECRET}@127.0.0.1:1/x", 2, "no dialect"),
    "gate-missing-path": (f"gate {{missing}} --db-url {DOWN}", 2, "no such file or directory"),
    "gate-invalid-ini": (f"gate {{bad_ini}} --db-url {DOWN}", 2, "not a valid ini file"),
    "gate-bad-lock-limit": (f"gate {{healthy}} --db-url {DOWN} --block-write-lock-over lots", 2, "give a number of rows"),
    "gate-trace-not-json": (f"gate {{healthy}} --db-url {DOWN} --trace {{not_json}}", 2, "cannot read a JSON report"),
    "gate-trace-without-trace": (f"gate {{healthy}} --db-url {DOWN} --trace {{wrong_shape}}", 2, "holds no lock trace"),
    # trace
    "trace-nothing-to-show": ("trace head {healthy}", 2, "pass --report FILE"),
    "trace-report-not-json": ("trace head --report {not_json}", 2, "cannot read a JSON report"),
    "trace-report-without-trace": ("trace head --report {wrong_shape}", 2, "holds no lock trace"),
    "trace-report-missing": ("trace head --report {missing}", 2, "cannot read a JSON report"),
    # merge-heads
    "merge-heads-missing-path": ("merge-heads {missing}", 2, "no such file or directory"),
    "merge-heads-invalid-ini": ("merge-heads {bad_ini}", 2, "not a valid ini file"),
    "merge-heads-invalid-toml": ("merge-heads {bad_toml} --dry-run", 2, "not valid TOML"),
    # merge-reports
    "merge-reports-none": ("merge-reports", 2, "Missing argument"),
    "merge-reports-missing": ("merge-reports {missing}", 2, "does not exist"),
    "merge-reports-not-json": ("merge-reports {not_json}", 2, "not JSON"),
    "merge-reports-wrong-shape": ("merge-reports {wrong_shape}", 2, "`findings` is not a list"),
    "merge-reports-bad-severity": ("merge-reports {bad_severity}", 2, "severity 'fatal'"),
    # linear-history
    "linear-history-unknown": ("linear-history bogus", 2, "No such command"),
    "linear-history-missing-path": ("linear-history check {missing}", 2, "no such file or directory"),
    "linear-history-invalid-ini": ("linear-history check {bad_ini}", 2, "not a valid ini file"),
    "linear-history-invalid-toml": ("linear-history update {bad_toml}", 2, "not valid TOML"),
    # pool
    "pool-no-url": ("pool {healthy}", 2, "Missing option '--db-url'"),
    "pool-unreachable": (f"pool {{healthy}} --db-url {DOWN}", 2, "cannot read connection limits"),
    "pool-not-a-url": ("pool {healthy} --db-url notaurl", 2, "cannot use --db-url"),
    "pool-unknown-driver": (f"pool {{healthy}} --db-url mysql+nodriver://u:{SECRET}@127.0.0.1:1/x", 2, "cannot use --db-url"),
    "pool-sqlite": ("pool {healthy} --db-url sqlite:///x.db", 2, "not sqlite"),
    "pool-negative-size": (f"pool {{healthy}} --db-url {DOWN} --pool-size -1", 2, "--pool-size"),
    "pool-missing-path": (f"pool {{missing}} --db-url {DOWN}", 2, "no such file or directory"),
    "pool-missing-app-path": (f"pool {{healthy}} --app-path {{missing}} --db-url {DOWN}", 2, "no such file or directory"),
    "pool-invalid-toml": (f"pool {{bad_toml}} --db-url {DOWN}", 2, "not valid TOML"),
}


def run(argv: list[str], capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setenv("ALEMBIC_GUARD_DEBUG", "1")  # an internal error raises: the test shows its traceback
    for var in ("ALEMBIC_GUARD_DB_URL", "ALEMBIC_GUARD_GATE_DB_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name, garbage, capsys, monkeypatch, tmp_path):
    import shlex

    line, code, words = CASES[name]
    monkeypatch.chdir(tmp_path)  # outside any git checkout (for --changed-since), relative files land here
    argv = shlex.split(line.format(**garbage))
    status, out, err = run(argv, capsys, monkeypatch)
    both = out + err
    assert status == code, both
    assert words in both, both
    assert "Traceback" not in both and "internal error" not in both
    assert SECRET not in both
    assert len(both.strip().splitlines()) <= 6, both  # one message (and a hint or usage line), not a dump


def test_import_with_a_timeout_shorter_than_start_up_finishes(garbage, capsys, monkeypatch, tmp_path):
    """A timeout that expires before the loader reads its first file used to restart it forever."""
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["check", garbage["healthy"], "--import", "--import-timeout", "0.001", "--select", "AG003"], capsys, monkeypatch)
    assert status == 1, out + err
    assert "did not finish loading within 0.001 s" in out


@pytest.mark.parametrize("spelling, dialect", [("postgres", "postgresql"), ("PostgreSQL", "postgresql"), ("mariadb", "mysql")])
def test_dialect_spellings_are_normalised(spelling, dialect):
    from alembic_guard.settings import Settings

    assert Settings().replace(dialect=spelling).dialect == dialect
