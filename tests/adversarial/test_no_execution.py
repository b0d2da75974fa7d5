"""No flag, no execution (issue 17.1): with every database environment variable set to a real
server, a static run of EVERY command (found from the click group) executes none of the trap
vectors; only a flag on the command line (--db, --db-url, --import, gate --sql) runs the project.

Each run is `python -m alembic_guard` in the trapped checkout (its working directory, as in CI),
so shadowing modules at the root would be imported if anything put the current folder on
sys.path. The controls at the end show the traps do fire when execution is asked for.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from .conftest import DB_ENV_VARS, EXTRA_ARGS, SPEC_IDS, SPECS, TRAPPED, db_env, executed, run_subprocess

PACKAGE = Path(__file__).resolve().parents[2] / "alembic_guard"


def _env(url: str, trap_dir: Path) -> dict[str, str]:
    env = db_env(url)
    env["AG_TRAP_DIR"] = str(trap_dir)
    env.pop("ALEMBIC_GUARD_DEBUG", None)
    return env


@pytest.fixture
def report_file(tmp_path, trapped_project, trap_dir, pg_admin_url) -> str:
    """A JSON report of the trapped project (input of merge-reports), made statically."""
    target = tmp_path / "report.json"
    run = run_subprocess(["check", str(trapped_project), "--format", "json", "-o", str(target)],
                         env=_env(pg_admin_url, trap_dir), cwd=trapped_project)
    assert target.exists(), run.stderr
    return str(target)


def test_every_command_can_be_invoked():
    """A new command with a required parameter needs a line in conftest.EXTRA_ARGS."""
    assert len(SPECS) >= 10, [s.name for s in SPECS]
    for spec in SPECS:
        assert not spec.missing_required(), (
            f"`{spec.name}` has required parameters {spec.missing_required()}: say how to fill them in "
            "tests/adversarial/conftest.py EXTRA_ARGS so the adversarial suite covers it"
        )


def test_every_database_variable_is_covered():
    """Every ALEMBIC_GUARD_* variable naming a database that the package reads is set by db_env()."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        names |= set(re.findall(r"\bALEMBIC_GUARD_(?:[A-Z]+_)*(?:DB|URL)(?:_[A-Z]+)*\b", path.read_text(encoding="utf-8")))
    assert names, "the scan found no variable: has the package moved?"
    assert names <= set(DB_ENV_VARS), f"database variables not in conftest.DB_ENV_VARS: {sorted(names - set(DB_ENV_VARS))}"


@pytest.mark.postgres
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_static_run_executes_nothing_with_every_db_variable_set(spec, trapped_project, trap_dir, pg_admin_url, request):
    report = request.getfixturevalue("report_file") if "{report}" in " ".join(EXTRA_ARGS.get(spec.name, [])) else ""
    argv = spec.argv(trapped_project, db_url=pg_admin_url, report=report)
    run = run_subprocess(argv, env=_env(pg_admin_url, trap_dir), cwd=trapped_project)
    assert executed(trap_dir) == [], f"`alembic-guard {' '.join(argv)}` executed project code: {executed(trap_dir)}"
    assert run.code in (0, 1, 2, 3, 4, 5), run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    # exit 3 is the traps' os._exit(3) only if a marker was written (checked above); the gate uses
    # 3+ for its statuses, so a gate run may legitimately end with them


@pytest.mark.postgres
def test_check_leaves_round_trips_skipped_and_says_why(trapped_project, trap_dir, pg_admin_url):
    run = run_subprocess(["check", str(trapped_project), "--select", "AG3", "--format", "json"],
                         env=_env(pg_admin_url, trap_dir), cwd=trapped_project)
    assert executed(trap_dir) == []
    assert run.code == 0, run.stderr
    skips = json.loads(run.stdout)["skipped"]
    assert any("AG301" in s["codes"] and s["reason"].startswith("needs a database") for s in skips), skips
    assert "$ALEMBIC_GUARD_DB_URL is set, but a round trip needs a flag: --db auto uses it" in run.stderr


@pytest.mark.postgres
def test_merge_heads_with_one_head_writes_and_imports_nothing(trapped_project, trap_dir, pg_admin_url):
    before = sorted(p.name for p in (trapped_project / "migrations" / "versions").iterdir())
    run = run_subprocess(["merge-heads", str(trapped_project)], env=_env(pg_admin_url, trap_dir), cwd=trapped_project)
    assert run.code == 0 and "Nothing to merge" in run.stdout, run.stderr
    assert executed(trap_dir) == []
    assert sorted(p.name for p in (trapped_project / "migrations" / "versions").iterdir()) == before


@pytest.mark.postgres
def test_python_dash_m_in_the_checkout_imports_nothing_from_it(trapped_project, trap_dir, pg_admin_url):
    """`python -m` puts the current folder first on sys.path; __main__ drops it before importing
    click, SQLAlchemy... (the checkout's click.py / sqlalchemy.py / json.py are traps)."""
    run = run_subprocess(["check", ".", "--format", "json"], env=_env(pg_admin_url, trap_dir), cwd=trapped_project,
                         entry=[sys.executable, "-m", "alembic_guard"])
    assert executed(trap_dir) == []
    assert run.code == 1 and json.loads(run.stdout)["findings"], run.stderr


# ---------------------------------------------------------------------- controls: flags do execute
@pytest.mark.postgres
@pytest.mark.parametrize("flags", [["--db", "auto"], ["--db-url", "{url}"], ["--import"]], ids=["db-auto", "db-url", "import"])
def test_a_flag_on_the_command_line_does_run_the_project(flags, trapped_project, trap_dir, pg_admin_url):
    """The control: the same project and environment, plus the flag, reaches the traps."""
    flags = [f.format(url=pg_admin_url) for f in flags]
    select = "AG2" if flags == ["--import"] else "AG3"
    run_subprocess(["check", str(trapped_project), "--select", select, "--format", "json", *flags],
                   env=_env(pg_admin_url, trap_dir), cwd=trapped_project, timeout=300)
    assert executed(trap_dir), "the traps did not fire: this suite could not detect an execution"


@pytest.mark.postgres
def test_gate_sql_is_the_flag_that_runs_env_py(trapped_project, trap_dir, pg_admin_url):
    run_subprocess(["gate", str(trapped_project), "--db-url", pg_admin_url, "--sql", "--allow-empty"],
                   env=_env(pg_admin_url, trap_dir), cwd=trapped_project, timeout=300)
    assert executed(trap_dir), "gate --sql runs env.py offline: its trap should have fired"


def test_the_sample_is_still_booby_trapped():
    env_py = (TRAPPED / "migrations" / "env.py").read_text()
    assert "EXECUTED-" in env_py and "os._exit" in env_py
