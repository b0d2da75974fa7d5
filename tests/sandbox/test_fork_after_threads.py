"""The round trip's child is forked from a process with threads of its own (a leftover sweep, a CREATE
DATABASE in flight). A lock such a thread holds at the moment of the fork is never released in the child:
`Sandbox.after_fork` gives the child fresh locks and a fresh admin engine, so its own create/drop cannot hang
(seen once in CI: the child waited forever in the admin engine's first-connect mutex while dropping)."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from alembic_guard.sandbox.names import ROUNDTRIP_PREFIX
from alembic_guard.sandbox.server import ServerSandbox

from sandbox_helpers import database_names

pytestmark = pytest.mark.postgres


def _child_creates_and_drops(sb: ServerSandbox, reset: bool) -> int:
    """Fork while another thread holds the sandbox's locks; the child creates and drops a database.
    Returns the child's exit status (0 = done, 9 = still blocked after 15 s, killed)."""
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with sb._creating:  # as a CREATE DATABASE running in a thread holds it
            held.set()
            release.wait(30)

    t = threading.Thread(target=holder, daemon=True)
    t.start()
    held.wait(5)
    pid = os.fork()
    if pid == 0:  # the child: no other thread, the Condition's lock still "held"
        code = 1
        try:
            signal.alarm(15)
            if reset:
                sb.after_fork()
            url = sb.create_database(ROUNDTRIP_PREFIX)
            sb.drop_database(url)
            code = 0
        finally:
            os._exit(code)
    release.set()
    t.join(5)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return 9


def test_child_with_fresh_locks_creates_and_drops(pg_admin_url):
    before = database_names(pg_admin_url)
    with ServerSandbox(pg_admin_url) as sb:
        sb.sweeps_leftovers = False  # no sweep thread of its own in this test
        assert _child_creates_and_drops(sb, reset=True) == 0
    assert {n for n in database_names(pg_admin_url) - before if n.startswith(ROUNDTRIP_PREFIX)} == set()


def test_without_the_reset_the_child_would_block(pg_admin_url):
    """The hazard the reset removes is real: the same child without `after_fork` never finishes."""
    with ServerSandbox(pg_admin_url) as sb:
        sb.sweeps_leftovers = False
        assert _child_creates_and_drops(sb, reset=False) != 0
