"""The step API for hand-written migration tests (`alembic_guard_runner`, sandbox/steps.py): real
databases, the project's own env.py, and the same [tool.alembic-guard] configuration as the walk."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pta_projects import CREATE_PLAN, NEEDS_SEED, write_project
from sandbox_helpers import database_names

from alembic_guard import settings as settings_mod
from alembic_guard.project import Project
from alembic_guard.sandbox.database import open_sandbox
from alembic_guard.sandbox.steps import MigrationSteps

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"


LOWER_NAMES = """
def upgrade():
    op.execute("UPDATE plan SET name = lower(name)")


def downgrade():
    pass
"""


@pytest.fixture(params=["server", "sqlite"])
def sandbox(request):
    spec = request.getfixturevalue("pg_admin_url") if request.param == "server" else "sqlite"
    with open_sandbox(spec, dialect="postgresql") as sb:
        yield sb


def project_at(root: Path, revisions, pyproject: str = "") -> Project:
    write_project(root, revisions, pyproject=pyproject)
    return Project.load(settings_mod.load(root))


@pytest.mark.postgres
def test_migrate_insert_migrate_assert(tmp_path, sandbox):
    project = project_at(tmp_path / "p", [("create plan", CREATE_PLAN), ("lower names", LOWER_NAMES), ("fallback", NEEDS_SEED)])
    with MigrationSteps.open(project, sandbox) as runner:
        assert runner.current == () and runner.heads == ("r3",)
        assert runner.migrate_up_before("r2") == ("r1",)
        runner.insert_into("plan", [{"id": 1, "name": "FREE"}])
        runner.insert_into(None, [{"__tablename__": "plan", "id": 2, "name": "Pro"}])  # pytest-alembic's form
        assert runner.migrate_up_one() == ("r2",)
        assert runner.rows("plan") == [{"id": 1, "name": "free"}, {"id": 2, "name": "pro"}]
        assert runner.migrate_up_to() == ("r3",)
        assert runner.select("SELECT fallback_id FROM plan WHERE id = :id", id=2) == [{"fallback_id": 1}]
        assert runner.migrate_down_one() == ("r2",)
        assert "fallback_id" not in runner.table("plan").c
        assert runner.roundtrip_next_revision() == ("r3",)
        assert runner.migrate_down_to("r1") == ("r1",)
        assert runner.migrate_down_to() == ()
        # a failing migration raises its own error, so the test sees it
        with pytest.raises(Exception, match="No row was found"):
            runner.migrate_up_to("r3")
        if sandbox.dialect == "postgresql":  # transactional DDL: the whole run was rolled back
            assert runner.current == ()
            runner.migrate_up_to("r1")
            assert runner.rows("plan") == []


@pytest.mark.postgres
def test_configured_rows_setup_sql_and_skips_apply(tmp_path, sandbox):
    pyproject = """
        [tool.alembic-guard]
        skip-revisions = ["r2"]
        setup-sql = { postgresql = ["CREATE SCHEMA audit"], sqlite = ["CREATE TABLE audit_marker (id integer)"] }

        [tool.alembic-guard.before-revision-data.r3]
        plan = [{ id = 5, name = "free" }, { id = 6, name = "KEEP" }]
    """
    project = project_at(tmp_path / "p", [("create plan", CREATE_PLAN), ("lower names", LOWER_NAMES), ("fallback", NEEDS_SEED)],
                         pyproject=textwrap.dedent(pyproject))
    with MigrationSteps.open(project, sandbox) as runner:
        if sandbox.dialect == "postgresql":
            assert runner.select("SELECT nspname FROM pg_namespace WHERE nspname = 'audit'") == [{"nspname": "audit"}]
        else:
            assert runner.table("audit_marker") is not None
        runner.migrate_up_to()
        # r2 was stamped (KEEP stays upper case), r3 found its configured row
        assert runner.rows("plan") == [{"id": 5, "name": "free", "fallback_id": 5}, {"id": 6, "name": "KEEP", "fallback_id": 5}]


@pytest.mark.postgres
def test_branches_and_merges_one_step_at_a_time(pg_admin_url):
    project = Project.load(settings_mod.load(SAMPLES / "branched_merge"))
    with open_sandbox(pg_admin_url) as sb, MigrationSteps.open(project, sb) as runner:
        seen = []
        while runner.current != runner.heads:
            seen.append(runner.migrate_up_one())
        assert seen == [("aaaaaaaaaaaa",), ("bbbbbbbbbbbb",), ("bbbbbbbbbbbb", "cccccccccccc"), ("dddddddddddd",), ("eeeeeeeeeeee",)]
        assert runner.migrate_down_before("cccccccccccc") == ("bbbbbbbbbbbb",)
        assert runner.migrate_down_to() == ()


@pytest.mark.postgres
def test_the_database_is_dropped_afterwards(tmp_path, pg_admin_url):
    project = project_at(tmp_path / "p", [("create plan", CREATE_PLAN)])
    before = database_names(pg_admin_url)
    with open_sandbox(pg_admin_url) as sb:
        with MigrationSteps.open(project, sb) as runner:
            runner.migrate_up_to()
            assert runner.url.rsplit("/", 1)[1] in database_names(pg_admin_url)
        assert not {n for n in database_names(pg_admin_url) - before if n == runner.url.rsplit("/", 1)[1]}


USER_TESTS = '''
import pytest


def test_backfill_lowercases_names(alembic_guard_runner):
    alembic_guard_runner.migrate_up_before("r2")
    alembic_guard_runner.insert_into("plan", {"id": 1, "name": "FREE"})
    alembic_guard_runner.migrate_up_one()
    assert alembic_guard_runner.rows("plan") == [{"id": 1, "name": "free"}]


def test_each_test_gets_a_fresh_database(alembic_guard_runner):
    assert alembic_guard_runner.current == ()


def test_a_wrong_expectation_fails(alembic_guard_runner):
    alembic_guard_runner.migrate_up_to("r2")
    alembic_guard_runner.insert_into("plan", {"id": 1, "name": "Mixed"})
    assert alembic_guard_runner.rows("plan") == [{"id": 1, "name": "mixed"}]
'''


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["sqlite", "server"])
def test_fixture_in_a_users_suite(tmp_path, request, db):
    spec = "sqlite" if db == "sqlite" else request.getfixturevalue("pg_admin_url")
    root = write_project(tmp_path / "project", [("create plan", CREATE_PLAN), ("lower names", LOWER_NAMES)])
    (root / "tests").mkdir()
    (root / "tests" / "test_migrations.py").write_text(USER_TESTS)
    env = dict(os.environ, ALEMBIC_GUARD_PROJECT=str(root), ALEMBIC_GUARD_DB=spec)
    env.pop("ALEMBIC_GUARD_DB_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest_alembic", "-rf", str(root / "tests")],
        cwd=root, env=env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 2 passed" in proc.stdout, proc.stdout
    assert "FAILED tests/test_migrations.py::test_a_wrong_expectation_fails" in proc.stdout
    assert "'Mixed'" in proc.stdout  # the upgrade did not lowercase a row inserted after it


def test_ready_made_tests_in_a_users_suite_apply_the_configuration(tmp_path):
    """The plugin's round trip (`alembic_guard_roundtrip`) reads [tool.alembic-guard] too: the data
    migration passes with its seeded row, and fails without it."""
    results = {}
    for name, pyproject in (("seeded", SEED_CONFIG), ("bare", "")):
        root = write_project(tmp_path / name, [("create plan", CREATE_PLAN), ("fallback", NEEDS_SEED)],
                             pyproject=pyproject, url="sqlite:///app.db")
        (root / "tests").mkdir()
        (root / "tests" / "test_migrations.py").write_text(
            "from alembic_guard.testing.checks import test_alembic_guard_upgrades, test_alembic_guard_downgrades  # noqa: F401\n")
        env = dict(os.environ, ALEMBIC_GUARD_PROJECT=str(root), ALEMBIC_GUARD_DB="sqlite")
        env.pop("ALEMBIC_GUARD_DB_URL", None)
        results[name] = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest_alembic", "-rf", str(root / "tests")],
            cwd=root, env=env, capture_output=True, text=True, timeout=180,
        )
    assert results["seeded"].returncode == 0 and "2 passed" in results["seeded"].stdout, results["seeded"].stdout
    assert results["bare"].returncode == 1, results["bare"].stdout
    assert "AG301 Upgrade of `r2` fails: NoResultFound" in results["bare"].stdout


SEED_CONFIG = '[tool.alembic-guard.before-revision-data]\nr2 = { __tablename__ = "plan", id = 1, name = "free" }\n'
