"""How `open_sandbox` picks a backend, SQLite sandboxes, and the Docker backend's clean failure."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.sandbox import pg_binaries
from alembic_guard.sandbox.database import SQLITE_FALLBACK_WARNING, open_sandbox
from alembic_guard.sandbox.names import new_database_name


@pytest.fixture
def no_server_binaries(monkeypatch):
    """A machine without PostgreSQL server binaries (and no $ALEMBIC_GUARD_DB_URL)."""
    monkeypatch.setattr(pg_binaries, "candidates", lambda: [])
    monkeypatch.delenv(pg_binaries.ENV_BINDIR, raising=False)
    monkeypatch.delenv("ALEMBIC_GUARD_DB_URL", raising=False)


def test_sqlite_sandbox_lifecycle():
    with open_sandbox("sqlite") as sb:
        assert (sb.kind, sb.dialect, sb.warnings) == ("sqlite", "sqlite", [])
        url = sb.create_database()
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("create table t (id int)"))
        engine.dispose()
        path = Path(sa.engine.make_url(url).database)
        assert path.exists() and path.parent == sb.path
        sb.drop_database(url)
        assert not path.exists()
        sb.create_database()
    assert not sb.path.exists()


def test_auto_for_a_sqlite_project_is_sqlite_without_warning(monkeypatch):
    monkeypatch.delenv("ALEMBIC_GUARD_DB_URL", raising=False)
    with open_sandbox("auto", dialect="sqlite") as sb:
        assert sb.kind == "sqlite" and sb.warnings == []


def test_auto_for_an_unknown_dialect_falls_back_to_sqlite_with_a_warning(no_server_binaries):
    messages = []
    with open_sandbox("auto", progress=messages.append) as sb:
        assert sb.kind == "sqlite"
        assert sb.warnings == [SQLITE_FALLBACK_WARNING]
        assert "PostgreSQL/MySQL behaviour was not tested" in sb.warnings[0]
    assert "falling back to SQLite" in messages[-1]


def test_auto_for_a_postgresql_project_never_silently_uses_sqlite(no_server_binaries):
    with pytest.raises(DatabaseUnavailable) as err:
        open_sandbox("auto", dialect="postgresql")
    text = str(err.value)
    assert "no PostgreSQL sandbox available" in text
    assert "embedded: no PostgreSQL server binaries" in text and "docker: " in text
    assert "--db-url" in text


def test_embedded_without_binaries_is_a_clear_message(no_server_binaries):
    with pytest.raises(DatabaseUnavailable, match="no PostgreSQL server binaries") as err:
        open_sandbox("embedded")
    assert "alembic-guard[embedded]" in str(err.value)


def test_embedded_refuses_a_mysql_project():
    with pytest.raises(DatabaseUnavailable, match="embedded sandbox is PostgreSQL"):
        open_sandbox("embedded", dialect="mysql")


def test_mysql_project_without_url_or_docker(monkeypatch):
    monkeypatch.delenv("ALEMBIC_GUARD_DB_URL", raising=False)
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DatabaseUnavailable) as err:
        open_sandbox("auto", dialect="mysql")
    assert "no MySQL sandbox is available" in err.value.message
    assert "--db-url mysql+pymysql://" in err.value.hint


def test_docker_without_daemon_is_a_clear_message_not_a_traceback(monkeypatch):
    pytest.importorskip("docker", reason="extra [docker] not installed")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DatabaseUnavailable) as err:
        open_sandbox("docker", dialect="postgresql", docker_image="postgres:16")
    assert err.value.message.startswith("no Docker daemon reachable: ")
    assert "--db embedded" in err.value.hint
    assert err.value.__suppress_context__  # raised `from None`: no chained docker/requests traceback


def test_database_names():
    names = {new_database_name() for _ in range(50)}
    assert len(names) == 50 and all(n.startswith("ag_") for n in names)
    assert new_database_name("ag_rt").startswith("ag_rt_")
    assert new_database_name("shard").startswith("ag_shard_")
    with pytest.raises(ValueError):
        new_database_name('x"; drop database postgres; --')


def test_signal_handlers_installed_while_open_and_restored_after():
    import signal

    from alembic_guard.sandbox import cleanup

    def mine(signum, frame):  # a handler the host application had before
        pass

    old_term = signal.signal(signal.SIGTERM, mine)
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)  # e.g. nohup / background job
    try:
        with open_sandbox("sqlite") as outer:
            assert signal.getsignal(signal.SIGTERM) is cleanup._on_signal
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # ignored stays ignored
            with open_sandbox("sqlite"):
                pass
            # an inner sandbox closing does not drop the protection of the outer one
            assert signal.getsignal(signal.SIGTERM) is cleanup._on_signal
            assert outer in cleanup._OPEN
        assert signal.getsignal(signal.SIGTERM) is mine
        assert cleanup._OPEN == []
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)


def test_close_all_closes_what_is_left_open():
    from alembic_guard.sandbox import cleanup

    sb = open_sandbox("sqlite")
    sb.create_database()
    cleanup.close_all()  # what atexit runs
    assert not sb.path.exists() and sb not in cleanup._OPEN


def test_a_second_ctrl_c_waits_until_the_cleanup_is_done():
    import os
    import signal
    import time

    from alembic_guard.sandbox import cleanup

    reached_end_of_cleanup = False
    with open_sandbox("sqlite"):
        with pytest.raises(KeyboardInterrupt):
            with cleanup.SignalsDeferred():  # what close() runs under
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # the handler gets plenty of chances to run here...
                sum(range(10000))
                reached_end_of_cleanup = True  # ...but must not cut this short
        assert reached_end_of_cleanup
        assert cleanup._PENDING == [] and cleanup._DEFER_DEPTH == 0
