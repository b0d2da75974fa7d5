"""The round trip's database created early (plain psycopg2, before SQLAlchemy loads) and taken over
by the server sandbox; and no database outlives a sandbox closed while another thread creates one."""

from __future__ import annotations

import threading

import pytest

from alembic_guard import settings as settings_mod
from alembic_guard.api import check
from alembic_guard.sandbox.early import EarlyDatabase
from alembic_guard.sandbox.names import ROUNDTRIP_PREFIX
from alembic_guard.sandbox.server import ServerSandbox

from sandbox_helpers import database_names

pytestmark = pytest.mark.postgres


def test_the_server_sandbox_takes_the_early_database_over_and_drops_it(pg_admin_url):
    early = EarlyDatabase.start(pg_admin_url, ROUNDTRIP_PREFIX)
    assert early is not None
    with ServerSandbox(pg_admin_url, probe_later=True) as sb:
        url = sb.create_database(ROUNDTRIP_PREFIX)
        assert sb.database_name(url) == early.name and early.name in database_names(pg_admin_url)
        early.discard()  # taken over: not dropped by it
        assert early.name in database_names(pg_admin_url)
        other = sb.create_database(ROUNDTRIP_PREFIX)  # only once: then the usual way
        assert sb.database_name(other) != early.name
    assert {early.name, sb.database_name(other)}.isdisjoint(database_names(pg_admin_url))


def test_an_early_database_nobody_takes_is_dropped(pg_admin_url):
    early = EarlyDatabase.start(pg_admin_url, ROUNDTRIP_PREFIX)
    early.discard()
    assert early.name not in database_names(pg_admin_url)
    assert EarlyDatabase.take(pg_admin_url, ROUNDTRIP_PREFIX) is None


@pytest.mark.parametrize("url", [
    "mysql+pymysql://root@127.0.0.1/x",
    "postgresql+asyncpg://u@h/db",
    "postgresql://u@h/db?host=/var/run/postgresql",  # unix socket in the query: left to SQLAlchemy
    "postgresql://u@h:notaport/db",
])
def test_only_plain_postgresql_urls_start_early(url):
    assert EarlyDatabase.start(url, ROUNDTRIP_PREFIX) is None


def test_a_check_that_never_round_trips_drops_its_early_database(pg_admin_url, tmp_path):
    # --db-url and AG3 selected, but the history cannot be loaded: the round trip is skipped
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (tmp_path / "migrations/versions").mkdir(parents=True)
    (tmp_path / "migrations/env.py").write_text("")
    (tmp_path / "migrations/versions/a_x.py").write_text('revision = "a"\ndown_revision = "missing"\n')
    before = database_names(pg_admin_url)
    check(settings_mod.load(tmp_path, select=("AG3",), db_url=pg_admin_url))
    assert {n for n in database_names(pg_admin_url) - before if n.startswith(ROUNDTRIP_PREFIX)} == set()


def test_closing_while_another_thread_creates_leaves_nothing(pg_admin_url):
    before = database_names(pg_admin_url)
    sb = ServerSandbox(pg_admin_url, probe_later=True)
    worker = threading.Thread(target=lambda: _ignore_errors(sb.create_database, ROUNDTRIP_PREFIX))
    worker.start()
    sb.close()  # waits for the CREATE in flight, then drops it
    worker.join()
    assert {n for n in database_names(pg_admin_url) - before if n.startswith(ROUNDTRIP_PREFIX)} == set()


def _ignore_errors(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - closed before it started: nothing created
        pass
