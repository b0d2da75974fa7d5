"""A SIGKILLed run's throwaway database is swept by the next run (real PostgreSQL and MariaDB);
databases with our prefix but no marker, or whose owner is alive, are left alone; a drop blocked
by another connection's lock on the database ends within its deadline.
"""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sandbox_helpers import database_names, run_sql, with_database

from alembic_guard.sandbox import leftovers
from alembic_guard.sandbox.server import ServerSandbox

CHILD = Path(__file__).with_name("sandbox_child.py")


@pytest.fixture(params=["postgres", "mariadb"])
def admin_url(request):
    name = "pg_admin_url" if request.param == "postgres" else "mariadb_admin_url"
    return request.getfixturevalue(name)


def _start_owner(url: str) -> tuple[subprocess.Popen, str]:
    """A child process that creates a throwaway database and waits; (process, database name)."""
    proc = subprocess.Popen([sys.executable, str(CHILD), url, "wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        pytest.fail(f"child did not start: {proc.communicate(timeout=30)[1]}")
    return proc, json.loads(line)["name"]


def _comment(url: str, name: str) -> str:
    if url.startswith("postgresql"):
        sql = "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
    else:
        sql = "SELECT schema_comment FROM information_schema.schemata WHERE schema_name = :n"
    rows = run_sql(url, sql, params={"n": name})
    return rows[0][0] if rows else None  # dropped meanwhile (another run on the same server)


def _drop_by_hand(url: str, name: str) -> None:
    q = '"' if url.startswith("postgresql") else "`"
    run_sql(url, f"DROP DATABASE IF EXISTS {q}{name}{q}")


@pytest.mark.postgres
@pytest.mark.mariadb
def test_sigkilled_runs_database_is_swept_by_the_next_run(admin_url):
    owner, name = _start_owner(admin_url)
    try:
        comment = _comment(admin_url, name)
        assert comment.startswith(leftovers.MARKER_HEAD) and f"pid={owner.pid} " in comment
        # the owner is alive: the next run leaves its database alone
        with ServerSandbox(admin_url) as sb:
            assert sb.sweep_leftovers() == []
        assert name in database_names(admin_url)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)
    assert name in database_names(admin_url), "SIGKILL gives no chance to clean up: the database is left"
    with ServerSandbox(admin_url) as sb:
        sb.create_database()  # the next run: sweeps before it creates
    assert name not in database_names(admin_url)


@pytest.mark.postgres
@pytest.mark.mariadb
def test_prefix_without_marker_or_with_a_foreign_marker_is_left_alone(admin_url):
    plain = f"ag_{secrets.token_hex(6)}"  # our naming, no marker: somebody else's, or too old to know
    foreign = f"ag_{secrets.token_hex(6)}"  # our marker, another host
    dead_pid = 2**22 + 7  # above the default pid_max: no such process
    note = leftovers.marker(host="elsewhere.example", pid=dead_pid, start="1")
    pg = admin_url.startswith("postgresql")
    try:
        if pg:
            run_sql(admin_url, f'CREATE DATABASE "{plain}"')
            run_sql(admin_url, f'CREATE DATABASE "{foreign}"', f"COMMENT ON DATABASE \"{foreign}\" IS '{note}'")
        else:
            run_sql(admin_url, f"CREATE DATABASE `{plain}`")
            run_sql(admin_url, f"CREATE DATABASE `{foreign}` COMMENT '{note}'")
        with ServerSandbox(admin_url) as sb:
            swept = sb.sweep_leftovers()
        assert plain not in swept and foreign not in swept
        assert {plain, foreign} <= database_names(admin_url)
    finally:
        _drop_by_hand(admin_url, plain)
        _drop_by_hand(admin_url, foreign)


@pytest.mark.postgres
@pytest.mark.mariadb
def test_marker_of_a_dead_process_on_this_host_is_swept_and_a_recycled_pid_is_not_the_owner(admin_url):
    import os

    dead = f"ag_{secrets.token_hex(6)}"
    recycled = f"ag_{secrets.token_hex(6)}"  # our own pid, but another start time: its owner is gone
    notes = {
        dead: leftovers.marker(pid=2**22 + 7, start="1"),
        recycled: leftovers.marker(pid=os.getpid(), start="1"),
    }
    pg = admin_url.startswith("postgresql")
    try:
        for name, note in notes.items():
            if pg:
                run_sql(admin_url, f'CREATE DATABASE "{name}"', f"COMMENT ON DATABASE \"{name}\" IS '{note}'")
            else:
                run_sql(admin_url, f"CREATE DATABASE `{name}` COMMENT '{note}'")
        with ServerSandbox(admin_url) as sb:
            swept = sb.sweep_leftovers()
        assert {dead, recycled} <= set(swept)
        assert not ({dead, recycled} & database_names(admin_url))
    finally:
        for name in notes:
            _drop_by_hand(admin_url, name)


@pytest.mark.mariadb
def test_mariadb_drop_ends_a_connection_holding_a_lock_and_stays_bounded(mariadb_admin_url):
    """The Ctrl-C case: a connection to the throwaway database keeps an open transaction (a
    metadata lock). The drop ends that connection and finishes well within its deadline."""
    sb = ServerSandbox(mariadb_admin_url)
    try:
        url = sb.create_database()
        name = sb.database_name(url)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        holder = engine.connect()
        holder.execute(sa.text("CREATE TABLE t (id int)"))
        holder.execute(sa.text("INSERT INTO t VALUES (1)"))  # open transaction: a metadata lock on t
        started = time.monotonic()
        sb.drop_database(url)
        took = time.monotonic() - started
        assert name not in database_names(mariadb_admin_url)
        assert took < leftovers.DROP_DEADLINE, f"drop took {took:.1f} s"
        with pytest.raises(sa.exc.DBAPIError):  # it was killed, not waited for
            holder.execute(sa.text("SELECT 1"))
        holder.invalidate()
        engine.dispose()
    finally:
        sb.close()


@pytest.mark.mariadb
def test_mariadb_drop_gives_up_at_its_deadline(mariadb_admin_url, monkeypatch):
    """A lock held by a connection we may not end (it is not connected to the database: its
    current database is another one) makes the drop fail at the deadline instead of blocking."""
    sb = ServerSandbox(mariadb_admin_url)
    url = sb.create_database()
    name = sb.database_name(url)
    other = sa.create_engine(with_database(mariadb_admin_url, "mysql"), poolclass=sa.pool.NullPool)
    conn = other.connect()
    try:
        conn.execute(sa.text(f"CREATE TABLE `{name}`.t (id int)"))
        conn.execute(sa.text("BEGIN"))
        conn.execute(sa.text(f"SELECT * FROM `{name}`.t"))  # metadata lock held by a foreign connection
        monkeypatch.setattr(leftovers, "DROP_DEADLINE", 4.0)
        started = time.monotonic()
        with pytest.raises(Exception):
            sb.drop_database(url)
        took = time.monotonic() - started
        assert took < 4.0 + leftovers.LOCK_WAIT + 2, f"drop blocked for {took:.1f} s"
        assert name in database_names(mariadb_admin_url), "the foreign connection was not ended"
    finally:
        conn.execute(sa.text("ROLLBACK"))
        conn.close()
        other.dispose()
        _drop_by_hand(mariadb_admin_url, name)
        sb._created.clear()
        sb.close()


def test_drop_refuses_names_we_do_not_generate():
    with pytest.raises(ValueError):
        leftovers.drop_database(None, "postgresql", "production")
    assert not leftovers.owner_gone("a comment somebody wrote")
    assert not leftovers.owner_gone(None)
    assert not leftovers.owner_gone(leftovers.marker())  # this process: alive
    assert leftovers.owner_gone(leftovers.marker(pid=2**22 + 7))



SLOW_REVISION = '''"""slow

Revision ID: cccccccccccc
Revises: bbbbbbbbbbbb
"""
import time

revision = "cccccccccccc"
down_revision = "bbbbbbbbbbbb"
branch_labels = None
depends_on = None


def upgrade():
    time.sleep(120)


def downgrade():
    pass
'''


@pytest.mark.postgres
@pytest.mark.mariadb
def test_cli_round_trip_killed_with_sigkill_is_swept_by_the_next_round_trip(admin_url, tmp_path):
    """End to end: `check --db-url` SIGKILLed in the middle of a migration leaves its database;
    the next `check --db-url` on the same server drops it."""
    import os
    import shutil

    samples = Path(__file__).resolve().parents[2] / "sample_projects"
    fast = tmp_path / "fast"
    shutil.copytree(samples / "healthy", fast, ignore=shutil.ignore_patterns("expected"))
    slow = tmp_path / "slow"
    shutil.copytree(fast, slow)
    (slow / "migrations" / "versions" / "cccccccccccc_slow.py").write_text(SLOW_REVISION)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEMBIC_GUARD_")}
    before = database_names(admin_url)
    proc = subprocess.Popen([sys.executable, "-m", "alembic_guard", "check", "--db-url", admin_url], cwd=slow, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        new: set[str] = set()
        while time.monotonic() < deadline and not new:
            time.sleep(0.2)
            new = {n for n in database_names(admin_url) - before if n.startswith("ag_")
                   and (_comment(admin_url, n) or "").startswith(leftovers.MARKER_HEAD)}
        assert new, "the round trip never created its database"
        time.sleep(1)  # into the slow migration
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole run, a round-trip child process included
        proc.wait(timeout=30)
    time.sleep(0.5)
    assert new <= database_names(admin_url), "SIGKILL leaves the database behind"
    done = subprocess.run([sys.executable, "-m", "alembic_guard", "check", "--db-url", admin_url], cwd=fast, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert not (new & database_names(admin_url)), f"leftover not swept: {new & database_names(admin_url)}"
