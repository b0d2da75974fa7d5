"""The pytest fixtures, used the way a user's suite uses them (a real pytest run in a subprocess)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

USER_TESTS = textwrap.dedent(
    """
    import sqlalchemy as sa

    SEEN = []

    def test_fresh_database(alembic_guard_database, alembic_guard_sandbox):
        SEEN.append(alembic_guard_database)
        e = sa.create_engine(alembic_guard_database)
        with e.begin() as c:
            assert sa.inspect(c).get_table_names() == []
            c.execute(sa.text("CREATE TABLE t (id int)"))
        e.dispose()
        print("KIND", alembic_guard_sandbox.kind, alembic_guard_sandbox.dialect)

    def test_second_database_is_another_one(alembic_guard_database):
        assert alembic_guard_database not in SEEN
        print("URL", alembic_guard_database)
    """
)


def _run(tmp_path, *args, env=None):
    (tmp_path / "test_user_suite.py").write_text(USER_TESTS)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", str(tmp_path), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_sqlite_fixture(tmp_path):
    res = _run(tmp_path, "--alembic-guard-db", "sqlite")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "KIND sqlite sqlite" in res.stdout and "2 passed" in res.stdout


@pytest.mark.postgres
def test_server_fixture_from_environment(tmp_path, pg_admin_url):
    import os

    from sandbox_helpers import database_names

    env = {**os.environ, "ALEMBIC_GUARD_DB_URL": pg_admin_url}
    env.pop("ALEMBIC_GUARD_DB", None)
    res = _run(tmp_path, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "KIND server postgresql" in res.stdout
    name = res.stdout.split("URL ", 1)[1].split()[0].rsplit("/", 1)[1]
    assert name.startswith("ag_") and name not in database_names(pg_admin_url)


def test_unavailable_sandbox_fails_clearly(tmp_path):
    res = _run(tmp_path, "--alembic-guard-db", "postgresql://u:hunter2@127.0.0.1:1/x")
    assert res.returncode == 1
    assert "alembic-guard: no sandbox database: cannot connect to" in res.stdout
    assert "hunter2" not in res.stdout + res.stderr
