"""Cleanup under failure, SIGINT, SIGTERM and SIGKILL, with real child processes and real servers.

After each run: no leftover database, server process or temp folder, and the pre-existing
database on the same server is untouched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_helpers import assert_untouched, database_names, pg_role

from alembic_guard.sandbox import tempdirs

CHILD = Path(__file__).with_name("sandbox_child.py")
ENDINGS = ["raise", signal.SIGINT, signal.SIGTERM]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def run_child(spec: str, ending, *, mode: str | None = None):
    """Start the child, wait for its database, end it the given way; return (info, rc, output)."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), spec, mode or ("raise" if ending == "raise" else "wait")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"child did not start: {proc.communicate(timeout=30)[1]}")
        info = json.loads(line)
        if ending != "raise":
            if mode == "stuck-query":
                time.sleep(0.5)  # let the query start
            proc.send_signal(ending)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return info, proc.returncode, line + out + err


def _ending_id(ending) -> str:
    return ending if isinstance(ending, str) else ending.name


def _assert_clean(info, admin_url=None) -> None:
    if admin_url:
        assert info["name"] not in database_names(admin_url), f"leftover database {info['name']}"
    if info["postmaster"]:
        deadline = time.monotonic() + 5
        while _alive(info["postmaster"]) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(info["postmaster"]), "embedded postmaster outlived its owner"
    if info["workdir"]:
        assert not Path(info["workdir"]).exists(), f"leftover temp folder {info['workdir']}"


def _assert_died_as_asked(ending, rc: int, output: str) -> None:
    if ending == "raise":
        assert rc == 1 and "RuntimeError: a migration failed" in output
    elif ending == signal.SIGINT:
        assert rc in (1, -signal.SIGINT, 130) and "KeyboardInterrupt" in output
    else:
        assert rc == -signal.SIGTERM  # cleaned up, then ended by the signal as if we were not there


@pytest.mark.postgres
@pytest.mark.parametrize("ending", ENDINGS, ids=_ending_id)
def test_server_postgres(ending, pg_admin_url, keeper_pg):
    role_url = pg_admin_url
    info, rc, output = run_child(role_url, ending)
    _assert_died_as_asked(ending, rc, output)
    _assert_clean(info, pg_admin_url)
    assert_untouched(keeper_pg)


@pytest.mark.mariadb
@pytest.mark.parametrize("ending", ENDINGS, ids=_ending_id)
def test_server_mariadb(ending, mariadb_admin_url, keeper_maria):
    info, rc, output = run_child(mariadb_admin_url, ending)
    _assert_died_as_asked(ending, rc, output)
    _assert_clean(info, mariadb_admin_url)
    assert_untouched(keeper_maria)


@pytest.mark.parametrize("ending", ENDINGS, ids=_ending_id)
def test_sqlite(ending):
    info, rc, output = run_child("sqlite", ending)
    _assert_died_as_asked(ending, rc, output)
    _assert_clean(info)


@pytest.mark.embedded
@pytest.mark.parametrize("ending", ENDINGS, ids=_ending_id)
def test_embedded(ending, pg_bindir, monkeypatch):
    monkeypatch.setenv("ALEMBIC_GUARD_PG_BINDIR", str(pg_bindir))
    info, rc, output = run_child("embedded", ending)
    _assert_died_as_asked(ending, rc, output)
    _assert_clean(info)
    import sqlalchemy as sa

    password = sa.engine.make_url(info["url"]).password
    assert password and password not in output.replace(info["url"], "<url>")


@pytest.mark.embedded
def test_embedded_sigkill_server_dies_and_next_run_sweeps_the_folder(pg_bindir, monkeypatch):
    monkeypatch.setenv("ALEMBIC_GUARD_PG_BINDIR", str(pg_bindir))
    proc = subprocess.Popen([sys.executable, str(CHILD), "embedded", "wait"], stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    assert _alive(info["postmaster"])
    proc.kill()
    proc.wait()
    proc.stdout.close()
    deadline = time.monotonic() + 5
    while _alive(info["postmaster"]) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(info["postmaster"]), "PR_SET_PDEATHSIG did not stop the postmaster"
    workdir = Path(info["workdir"])
    assert workdir.exists()  # SIGKILL leaves the folder; the next start sweeps it
    assert workdir in tempdirs.sweep("pg")
    assert not workdir.exists()


def test_sweep_keeps_folders_of_live_owners_and_removes_dead_ones():
    live = tempdirs.make("sweeptest")
    dead = tempdirs.make("sweeptest")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    (dead / tempdirs.OWNER_FILE).write_text(f"{child.pid} 1\n")
    try:
        removed = tempdirs.sweep("sweeptest")
        assert dead in removed and not dead.exists()
        assert live.exists()
    finally:
        tempdirs.remove(live)
        tempdirs.remove(dead)


@pytest.mark.postgres
def test_password_never_printed_by_a_failing_child(pg_admin_url):
    import secrets

    secret = "pw-" + secrets.token_hex(6)
    with pg_role(pg_admin_url, secret, createdb=True) as (_role, url):
        info, rc, output = run_child(url, "raise")
        assert rc == 1
        _assert_clean(info, pg_admin_url)
        shown = output.replace(info["url"], "<url>")  # the child itself printed the live URL on purpose
        assert secret not in shown
        assert "***" in info["describe"] and secret not in info["describe"]


@pytest.mark.embedded
def test_sweep_stops_a_server_whose_owner_is_gone(pg_bindir):
    """Belt and braces for platforms without PDEATHSIG: the sweep stops an orphaned postmaster."""
    from alembic_guard.sandbox import pg_binaries, pg_cluster

    cluster = pg_cluster.PostgresCluster.start(pg_binaries.find_binaries(pg_bindir))
    pid, workdir = cluster.process.pid, cluster.workdir
    try:
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        (workdir / tempdirs.OWNER_FILE).write_text(f"{dead.pid} 1\n")  # as if its owner had died
        assert workdir in tempdirs.sweep("pg")
        cluster.process.wait(timeout=10)  # reap: it was our child
        assert not _alive(pid) and not workdir.exists()
    finally:
        cluster.stop()


@pytest.mark.embedded
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_embedded_signal_while_the_server_is_starting(sig, pg_bindir, monkeypatch):
    monkeypatch.setenv("ALEMBIC_GUARD_PG_BINDIR", str(pg_bindir))
    proc = subprocess.run(
        [sys.executable, str(CHILD), "embedded", f"signal-while-starting:{int(sig)}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "STARTED ANYWAY" not in proc.stdout
    workdirs = json.loads(proc.stdout.splitlines()[0])["workdirs"]
    assert len(workdirs) == 1, proc.stdout + proc.stderr
    assert not Path(workdirs[0]).exists(), "temp folder left behind by an interrupted start"
    assert proc.returncode in ((1, 130, -signal.SIGINT) if sig == signal.SIGINT else (-signal.SIGTERM,))


def test_sigterm_stops_a_pytest_session_and_cleans_up(tmp_path):
    """pytest catches SystemExit as a test failure and carries on; SIGTERM must end the run, cleaned up."""
    (tmp_path / "test_user.py").write_text(
        "import os, signal, time\n"
        "def test_a(alembic_guard_database, alembic_guard_sandbox):\n"
        "    print('FOLDER', alembic_guard_sandbox.path, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "def test_b():\n"
        "    print('TEST_B_RAN')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "--alembic-guard-db", "sqlite", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == -signal.SIGTERM, proc.stdout + proc.stderr
    assert "TEST_B_RAN" not in proc.stdout
    folder = Path(proc.stdout.split("FOLDER ", 1)[1].split()[0])
    assert not folder.exists()


@pytest.mark.parametrize("ending", [signal.SIGINT, signal.SIGTERM], ids=_ending_id)
@pytest.mark.parametrize(
    "server",
    [pytest.param("pg", marks=pytest.mark.postgres), pytest.param("maria", marks=pytest.mark.mariadb)],
)
def test_signal_while_a_statement_hangs_in_the_driver(server, ending, request):
    """psycopg2 waits in C: no Python signal handler runs until the statement ends. The watchdog
    cancels statements in our own databases, so Ctrl-C / SIGTERM still clean up within seconds."""
    admin = request.getfixturevalue("pg_admin_url" if server == "pg" else "mariadb_admin_url")
    keeper = request.getfixturevalue("keeper_pg" if server == "pg" else "keeper_maria")
    started = time.monotonic()
    info, rc, output = run_child(admin, ending, mode="stuck-query")
    assert time.monotonic() - started < 25, "the interrupted child hung"
    assert "QUERY FINISHED" not in output
    _assert_died_as_asked(ending, rc, output)
    _assert_clean(info, admin)
    assert_untouched(keeper)
