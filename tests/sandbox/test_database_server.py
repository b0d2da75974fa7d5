"""Server-URL sandbox against the real PostgreSQL and MariaDB servers (no mocks)."""

from __future__ import annotations

import logging
import re
import secrets

import pytest
import sqlalchemy as sa

from alembic_guard.errors import DatabaseUnavailable, GuardError
from alembic_guard.sandbox.database import open_sandbox
from alembic_guard.sandbox.names import sync_url
from alembic_guard.sandbox.server import ServerSandbox

from sandbox_helpers import assert_untouched, database_names, pg_role, run_sql, with_database

SECRET = "s3cr3t-Pw-" + secrets.token_hex(4)


def _connect_and_write(url: str) -> None:
    run_sql(url, "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)")
    assert run_sql(url, "SELECT count(*) FROM t") == [(1,)]


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mariadb", marks=pytest.mark.mariadb)]
)
def server(request):
    """(admin URL, keeper database) for each real server."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_admin_url"), request.getfixturevalue("keeper_pg")
    return request.getfixturevalue("mariadb_admin_url"), request.getfixturevalue("keeper_maria")


def test_lifecycle_creates_uniquely_named_databases_and_drops_them(server):
    admin, keeper = server
    with open_sandbox(admin) as sb:
        assert sb.kind == "server"
        assert sb.dialect in ("postgresql", "mysql")
        a, b = sb.create_database(), sb.create_database(prefix="rt")
        name_a, name_b = sb.database_name(a), sb.database_name(b)
        assert re.fullmatch(r"ag_[0-9a-f]{12}", name_a)
        assert re.fullmatch(r"ag_rt_[0-9a-f]{12}", name_b)
        assert "+" in a.split("://")[0], "URL must name its driver"
        assert {name_a, name_b} <= database_names(admin)
        _connect_and_write(a)
        _connect_and_write(b)
        sb.drop_database(a)
        sb.drop_database(a)  # idempotent
        assert name_a not in database_names(admin)
        assert sb.databases == (b,)
    # close dropped the rest (other processes may create databases meanwhile: compare ours only)
    assert not {name_a, name_b} & database_names(admin)
    assert_untouched(keeper)


def test_refuses_to_drop_a_database_it_did_not_create(server):
    admin, keeper = server
    name, url = keeper
    with open_sandbox(admin) as sb:
        with pytest.raises(GuardError, match="did not create"):
            sb.drop_database(url)
        # not even one that looks like ours
        with pytest.raises(GuardError, match="did not create"):
            sb.drop_database(with_database(admin, "ag_000000000000"))
    assert name in database_names(admin)
    assert_untouched(keeper)


def test_exception_inside_with_still_drops(server):
    admin, _ = server
    with pytest.raises(RuntimeError):
        with open_sandbox(admin) as sb:
            name = sb.database_name(sb.create_database())
            raise RuntimeError("migration failed")
    assert name not in database_names(admin)


def test_closed_sandbox_refuses_work(server):
    admin, _ = server
    sb = open_sandbox(admin)
    sb.close()
    sb.close()  # idempotent
    with pytest.raises(GuardError, match="closed"):
        sb.create_database()


@pytest.mark.postgres
def test_db_url_argument_and_environment(pg_admin_url, monkeypatch):
    with open_sandbox(db_url=pg_admin_url) as sb:
        assert sb.kind == "server"
    monkeypatch.setenv("ALEMBIC_GUARD_DB_URL", pg_admin_url)
    with open_sandbox("auto", dialect="postgresql") as sb:
        assert sb.kind == "server"


@pytest.mark.postgres
def test_async_driver_url_is_administered_with_a_sync_driver(pg_admin_url):
    async_url = pg_admin_url.replace("postgresql+psycopg2", "postgresql+asyncpg")
    assert sync_url(async_url).drivername == "postgresql+psycopg2"
    assert sync_url("mysql+aiomysql://root@h/").drivername == "mysql+pymysql"
    assert sync_url("postgresql://u@h/db").drivername == "postgresql+psycopg2"
    with open_sandbox(async_url) as sb:
        assert sb.create_database().startswith("postgresql+psycopg2://")


@pytest.mark.postgres
def test_role_without_createdb_gets_a_clear_message(pg_admin_url, keeper_pg):
    with pg_role(pg_admin_url, SECRET, createdb=False) as (role, url):
        with open_sandbox(url) as sb:
            with pytest.raises(DatabaseUnavailable) as err:
                sb.create_database()
            assert sb.databases == ()
        message = str(err.value)
        assert f"user '{role}' may not create databases" in message
        assert f"ALTER ROLE {role} CREATEDB" in message
        assert "--db embedded" in message
        assert SECRET not in message and SECRET not in (err.value.url or "")
        assert_untouched(keeper_pg)


@pytest.mark.mariadb
def test_mariadb_user_without_create_privilege_gets_a_clear_message(mariadb_admin_url):
    user = f"ag_nopriv_{secrets.token_hex(3)}"
    run_sql(mariadb_admin_url, f"CREATE USER '{user}'@'%' IDENTIFIED BY '{SECRET}'")
    try:
        url = sa.engine.make_url(mariadb_admin_url).set(username=user, password=SECRET).render_as_string(hide_password=False)
        with open_sandbox(url) as sb:
            with pytest.raises(DatabaseUnavailable, match=f"user '{user}' may not create databases") as err:
                sb.create_database()
        assert SECRET not in str(err.value)
    finally:
        run_sql(mariadb_admin_url, f"DROP USER IF EXISTS '{user}'@'%'")


@pytest.mark.mariadb
def test_wrong_password_is_masked_in_the_error(mariadb_admin_url):
    url = sa.engine.make_url(mariadb_admin_url).set(username="root", password=SECRET).render_as_string(hide_password=False)
    url = url.replace("root:", "ag_nobody_here:")
    with pytest.raises(DatabaseUnavailable, match="cannot connect to") as err:
        open_sandbox(url)
    assert SECRET not in str(err.value)
    assert "***" in str(err.value)


def test_unreachable_server_is_a_clear_message_with_masked_password():
    url = f"postgresql://someone:{SECRET}@127.0.0.1:1/postgres"
    with pytest.raises(DatabaseUnavailable, match=r"cannot connect to postgresql\+psycopg2://someone:\*\*\*@127.0.0.1:1") as err:
        ServerSandbox(url, connect_timeout=2)
    assert SECRET not in str(err.value)
    assert "***" in err.value.url


@pytest.mark.postgres
def test_password_never_in_describe_repr_or_logs(pg_admin_url, caplog):
    with pg_role(pg_admin_url, SECRET, createdb=True) as (_role, url):
        caplog.set_level(logging.DEBUG, logger="alembic_guard")
        messages = []
        with open_sandbox(url, progress=messages.append) as sb:
            db = sb.create_database()
            assert SECRET in db  # the URL handed to the round trip must work...
            messages += [sb.describe(), repr(sb)]
        # ...but nothing meant for humans shows it
        messages += [r.getMessage() for r in caplog.records]
        assert any("***" in m for m in messages)
        assert not [m for m in messages if SECRET in m]


def test_sqlite_url_is_not_a_server():
    with pytest.raises(DatabaseUnavailable, match="must be PostgreSQL or MySQL"):
        open_sandbox("sqlite:///x.db")


def test_unknown_spec():
    with pytest.raises(DatabaseUnavailable, match="unknown --db value 'postgress'"):
        open_sandbox("postgress")


def test_drop_ends_leftover_connections_to_the_throwaway_database(server):
    """A migration run that leaked a connection with an open transaction must not block the drop
    (PostgreSQL: WITH (FORCE); MySQL: the connections to that database are killed first)."""
    admin, keeper = server
    with open_sandbox(admin) as sb:
        url = sb.create_database()
        run_sql(url, "CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)")
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        leaked = engine.connect()
        leaked.begin()
        leaked.execute(sa.text("SELECT * FROM t"))  # holds a lock on t until the transaction ends
        try:
            sb.drop_database(url)
            assert sb.database_name(url) not in database_names(admin)
        finally:
            try:
                leaked.close()
            except sa.exc.DBAPIError:
                pass  # the server ended it: expected
            engine.dispose()
    assert_untouched(keeper)
