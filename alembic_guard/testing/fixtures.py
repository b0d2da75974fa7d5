"""pytest fixtures for round-trip checks in a user's own suite (registered by the pytest11 entry
point through `alembic_guard.testing.plugin`)."""

from __future__ import annotations

import os
import warnings

import pytest

from alembic_guard.masking import mask_secrets

# =============================================================================================
# Sandboxes: disposable databases (owner: sandbox-db)
#
#   alembic_guard_sandbox   session-scoped `Sandbox`, chosen by --alembic-guard-db / $ALEMBIC_GUARD_DB
#                           (auto | embedded | docker | sqlite | URL; $ALEMBIC_GUARD_DB_URL also works)
#   alembic_guard_database  function-scoped URL of a fresh throwaway database, dropped afterwards
#   alembic_guard_dialect   override in your conftest.py to steer `auto` (default: --alembic-guard-dialect)
# =============================================================================================
ENV_DB = "ALEMBIC_GUARD_DB"


def pytest_addoption(parser):
    group = parser.getgroup("alembic-guard")
    group.addoption(
        "--alembic-guard-db",
        default=None,
        help="sandbox for alembic-guard fixtures: auto (default), embedded, docker, sqlite or a database URL "
        f"(env ${ENV_DB}; a server URL can also come from $ALEMBIC_GUARD_DB_URL)",
    )
    group.addoption(
        "--alembic-guard-dialect",
        default=None,
        help="dialect that steers --alembic-guard-db=auto: postgresql, mysql or sqlite",
    )


@pytest.fixture(scope="session")
def alembic_guard_dialect(request) -> str | None:
    """The project's dialect for choosing an `auto` sandbox; override this fixture to fix it."""
    return request.config.getoption("--alembic-guard-dialect")


@pytest.fixture(scope="session")
def alembic_guard_sandbox(request, alembic_guard_dialect):
    """A sandbox for the whole test session; every database it created is dropped at the end."""
    from alembic_guard.errors import DatabaseUnavailable  # start-up cost: the plugin loads in every pytest session
    from alembic_guard.sandbox.database import ENV_DB_URL, open_sandbox  # start-up cost (as above)

    spec = request.config.getoption("--alembic-guard-db") or os.environ.get(ENV_DB) or "auto"
    try:
        sandbox = open_sandbox(spec, db_url=os.environ.get(ENV_DB_URL), dialect=alembic_guard_dialect)
    except DatabaseUnavailable as exc:
        pytest.fail(f"alembic-guard: no sandbox database: {mask_secrets(str(exc))}", pytrace=False)  # pytest's output, not ours
    with sandbox:
        for warning in sandbox.warnings:
            warnings.warn(pytest.PytestWarning(f"alembic-guard: {warning}"), stacklevel=2)
        yield sandbox


@pytest.fixture
def alembic_guard_database(alembic_guard_sandbox) -> str:
    """SQLAlchemy URL of a fresh, empty, uniquely named database; dropped after the test."""
    url = alembic_guard_sandbox.create_database()
    try:
        yield url
    finally:
        alembic_guard_sandbox.drop_database(url)


# =============================================================================================
# Round trip (owner: roundtrip) — fixtures that run the checks go below this line
# =============================================================================================
#
#   alembic_guard_project_path  the Alembic project to check: $ALEMBIC_GUARD_PROJECT, else the
#                               pytest rootdir; override this fixture in your conftest.py
#   alembic_guard_settings      Settings of that project ([tool.alembic-guard] in pyproject.toml)
#   alembic_guard_project       the statically loaded Project
#   alembic_guard_roundtrip     the round trip (RoundTripResult), run ONCE per session in the
#                               sandbox above; EXECUTES env.py and the migrations
#   alembic_guard_findings      the round-trip findings (AG3xx, AG203) as a list
#   alembic_guard_runner        a fresh sandbox database per test and a step API to move it along
#                               the history (migrate_up_to / insert_into / migrate_up_one / rows...);
#                               EXECUTES env.py and the migrations (alembic_guard.sandbox.steps)
#
# Assertions and ready-made tests: `alembic_guard.testing.checks`.
# =============================================================================================
ENV_PROJECT = "ALEMBIC_GUARD_PROJECT"


@pytest.fixture(scope="session")
def alembic_guard_project_path(request):
    from pathlib import Path

    return Path(os.environ.get(ENV_PROJECT) or request.config.rootpath)


@pytest.fixture(scope="session")
def alembic_guard_settings(alembic_guard_project_path):
    from alembic_guard import settings as settings_mod  # start-up cost: the plugin loads in every pytest session

    return settings_mod.load(alembic_guard_project_path)


@pytest.fixture(scope="session")
def alembic_guard_project(alembic_guard_settings):
    from alembic_guard.project import Project  # start-up cost: the plugin loads in every pytest session

    return Project.load(alembic_guard_settings)


@pytest.fixture(scope="session")
def alembic_guard_roundtrip(alembic_guard_project, alembic_guard_sandbox):
    """Upgrade, downgrade and re-upgrade every revision (all branches) in a throwaway database."""
    from alembic_guard.sandbox.roundtrip import run_roundtrip  # start-up cost: the plugin loads in every pytest session

    s = alembic_guard_project.settings
    return run_roundtrip(
        alembic_guard_project,
        alembic_guard_sandbox,
        with_data=s.with_data,
        step_timeout=s.step_timeout,
        drift=True,
    )


@pytest.fixture(scope="session")
def alembic_guard_findings(alembic_guard_roundtrip):
    from alembic_guard.testing.checks import findings  # start-up cost: the plugin loads in every pytest session

    return findings(alembic_guard_roundtrip)


@pytest.fixture
def alembic_guard_runner(alembic_guard_project, alembic_guard_sandbox):
    """A fresh sandbox database (dropped after the test) moved along the history on request:
    `migrate_up_to`, `migrate_up_before`, `migrate_up_one`, `migrate_down_one`, `migrate_down_to`,
    `roundtrip_next_revision`, `insert_into`, `rows`, `select`, `execute` (alembic_guard.sandbox.steps)."""
    from alembic_guard.sandbox.steps import MigrationSteps  # start-up cost: the plugin loads in every pytest session

    with MigrationSteps.open(alembic_guard_project, alembic_guard_sandbox) as runner:
        yield runner
