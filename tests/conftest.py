"""Shared fixtures.

Server fixtures talk to real PostgreSQL and MariaDB. Locally, a missing server skips the test
with a reason; in CI (environment variable CI=true, or `pytest --require-servers`) a missing
server is a failure, so a broken CI cannot go green by skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"

PG_URL = os.environ.get("ALEMBIC_GUARD_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
MARIADB_URL = os.environ.get("ALEMBIC_GUARD_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/")


def pytest_configure(config):
    """One private result cache for the whole run (alembic_guard.core.cache): tests never read or fill
    the developer's, and every golden/format test also runs against a warm cache. (The embedded
    cluster cache keeps its usual place: as root /var/cache/alembic-guard; $ALEMBIC_GUARD_CACHE_DIR
    if the developer set it, which then also holds the results, in a folder of their own.)"""
    import tempfile

    folder = tempfile.mkdtemp(prefix="ag-test-cache-")
    config._ag_cache_dir = folder
    if not os.environ.get("ALEMBIC_GUARD_CACHE_DIR"):
        os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config):
    folder = getattr(config, "_ag_cache_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_addoption(parser):
    parser.addoption("--require-servers", action="store_true", help="fail (not skip) tests whose database server or binaries are missing")
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files instead of comparing")


def servers_required(config) -> bool:
    return bool(config.getoption("--require-servers")) or os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(request, what: str, why: str):
    if servers_required(request.config):
        pytest.fail(f"{what} is required in CI but unavailable: {why}", pytrace=False)
    pytest.skip(f"{what} unavailable: {why}")


def _probe(url: str) -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


@pytest.fixture(scope="session")
def pg_admin_url(request) -> str:
    """URL of a real PostgreSQL server whose user may CREATE DATABASE."""
    problem = _probe(PG_URL)
    if problem:
        _unavailable(request, "PostgreSQL server", problem)
    return PG_URL


@pytest.fixture(scope="session")
def mariadb_admin_url(request) -> str:
    """URL of a real MariaDB/MySQL server whose user may CREATE DATABASE."""
    try:
        import pymysql  # noqa: F401
    except ImportError:
        _unavailable(request, "MariaDB server", "pymysql is not installed")
    problem = _probe(MARIADB_URL)
    if problem:
        _unavailable(request, "MariaDB server", problem)
    return MARIADB_URL


@pytest.fixture(scope="session")
def pg_bindir(request) -> Path:
    """Folder holding PostgreSQL server binaries (initdb, postgres), for the embedded sandbox."""
    import glob
    import subprocess

    candidates = []
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
            candidates.append(out)
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "postgres").exists():
            return Path(c)
    _unavailable(request, "PostgreSQL server binaries (initdb, postgres)", "not found via pg_config or /usr/lib/postgresql")


@pytest.fixture
def samples() -> Path:
    return SAMPLES
