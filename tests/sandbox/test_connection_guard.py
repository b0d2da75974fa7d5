"""The connection guard (issue 11.1): env.py styles that reach for another database, on real
PostgreSQL and MariaDB. The "production" database is one each test creates itself; afterwards it
is byte-identical (a pg_dump / mariadb-dump before and after), the run exits 2 naming it with the
password masked, and not one statement reached it:

- PostgreSQL: pg_stat_database for it. A refusal before connecting leaves `sessions` as it was;
  a raw driver connect that is checked right after the login adds a session, and that session's
  own start-up transaction, but no other transaction (every statement runs in one);
- both servers: env.py writes a marker file right after its connect call returns; it never exists.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_helpers import run_sql, with_database

SECRET = "s3cretPW"
REVISION = '''revision = "aaaaaaaaaaaa"
down_revision = None
branch_labels = None
depends_on = None

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table("invoice", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("DELETE FROM customer")


def downgrade():
    op.drop_table("invoice")
'''
HEAD = '''import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, create_engine, pool

config = context.config
MARKER = {marker!r}


def touched():
    open(MARKER, "w").write("env.py got a connection to the other database")


def migrate(connection):
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()

'''
STYLES = {
    # a settings module's constant pushed into sqlalchemy.url, then engine_from_config
    "set_main_option": HEAD + '''
from app_settings import DATABASE_URL
config.set_main_option("sqlalchemy.url", DATABASE_URL)
engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    touched()
    migrate(connection)
''',
    # its own create_engine, default pool (QueuePool)
    "create_engine": HEAD + '''
from app_settings import DATABASE_URL
engine = create_engine(DATABASE_URL)
with engine.begin() as connection:
    touched()
    migrate(connection)
''',
    # creator=: SQLAlchemy's do_connect is bypassed; the driver hook still sees it
    "creator": HEAD + '''
from app_settings import RAW_CONNECT
engine = create_engine("{backend}://", creator=RAW_CONNECT)
with engine.connect() as connection:
    touched()
    migrate(connection)
''',
    # a raw driver connect, the sandbox's connection used for the migrations afterwards
    "raw_driver": HEAD + '''
from app_settings import RAW_CONNECT
raw = RAW_CONNECT()
touched()
raw.cursor().execute("DELETE FROM customer")
raw.commit()
migrate(config.attributes["connection"])
''',
    # an async engine of its own (asyncpg)
    "async_engine": HEAD + '''
import asyncio
from sqlalchemy.ext.asyncio import create_async_engine
from app_settings import ASYNC_URL


async def main():
    engine = create_async_engine(ASYNC_URL)
    async with engine.connect() as connection:
        touched()
        await connection.run_sync(migrate)
    await engine.dispose()

asyncio.run(main())
''',
    # a refusal swallowed by env.py: the run must stop anyway
    "swallowed": HEAD + '''
from app_settings import DATABASE_URL
try:
    create_engine(DATABASE_URL).connect()
    touched()
except BaseException:
    pass
migrate(config.attributes["connection"])
''',
}
SERVERS = {
    "postgresql": {
        "fixture": "pg_admin_url",
        "backend": "postgresql+psycopg2",
        "raw": "lambda: __import__('psycopg2').connect(host='127.0.0.1', port=5432, user='postgres', password={pw!r}, dbname={db!r})",
        "async": "postgresql+asyncpg://postgres:{pw}@127.0.0.1:5432/{db}",
    },
    "mysql": {
        "fixture": "mariadb_admin_url",
        "backend": "mysql+pymysql",
        "raw": "lambda: __import__('pymysql').connect(host='127.0.0.1', port=3306, user='root', password={pw!r}, database={db!r})",
        "async": None,  # no async MySQL driver among the test dependencies
    },
}
CASES = [(server, style) for server in SERVERS for style in STYLES if not (style == "async_engine" and not SERVERS[server]["async"])]


@pytest.fixture
def production(request):
    """(server, name, URL with a password, admin URL): a database standing in for production,
    with a table and rows; dropped afterwards."""
    server = request.param
    admin = request.getfixturevalue(SERVERS[server]["fixture"])
    name = f"prodstandin_{secrets.token_hex(4)}"
    q = '"' if server == "postgresql" else "`"
    run_sql(admin, f"CREATE DATABASE {q}{name}{q}")
    url = with_database(admin, name)
    run_sql(url, "CREATE TABLE customer (id int primary key, name varchar(40))",
            "INSERT INTO customer VALUES (1, 'ada'), (2, 'grace')")
    try:
        yield server, name, admin
    finally:
        run_sql(admin, f"DROP DATABASE IF EXISTS {q}{name}{q}")


def dump(server: str, name: str) -> bytes:
    if server == "postgresql":
        cmd = ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--no-owner", name]
    else:
        cmd = [shutil.which("mariadb-dump") or "mysqldump", "-h127.0.0.1", "-uroot", "--skip-dump-date", "--routines",
               "--events", "--triggers", name]
    out = subprocess.run(cmd, check=True, capture_output=True, timeout=60).stdout
    # pg_dump 15.14+ brackets the dump with \restrict / \unrestrict and a random key per run
    return b"\n".join(line for line in out.splitlines() if not line.startswith((b"\\restrict", b"\\unrestrict")))


def pg_activity(admin: str, name: str) -> tuple[int, int]:
    """(sessions, transactions that were not a session's own start-up) of database `name`."""
    time.sleep(1.2)  # an ended backend flushes its statistics as it exits
    rows = run_sql(admin, "SELECT pg_stat_clear_snapshot()",
                   "SELECT sessions, xact_commit + xact_rollback - sessions FROM pg_stat_database WHERE datname = :n",
                   params={"n": name})
    return rows[0][0], rows[0][1]


def make_project(tmp_path: Path, style: str, server: str, name: str) -> tuple[Path, Path]:
    spec = SERVERS[server]
    root = tmp_path / "proj"
    (root / "migrations/versions").mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\nprepend_sys_path = .\n")
    marker = tmp_path / "connected.marker"
    env = STYLES[style].replace("{marker!r}", repr(str(marker))).replace("{backend}", spec["backend"])
    (root / "migrations/env.py").write_text(env)
    (root / "migrations/versions/aaaaaaaaaaaa_first.py").write_text(REVISION)
    host_db = f"{spec['backend']}://{'postgres' if server == 'postgresql' else 'root'}:{SECRET}@127.0.0.1:{5432 if server == 'postgresql' else 3306}/{name}"
    settings = f"DATABASE_URL = {host_db!r}\nRAW_CONNECT = {spec['raw'].format(pw=SECRET, db=name)}\n"
    if spec["async"]:
        settings += f"ASYNC_URL = {spec['async'].format(pw=SECRET, db=name)!r}\n"
    (root / "app_settings.py").write_text(settings)
    return root, marker


def run_check(root: Path, admin: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALEMBIC_GUARD", "DATABASE_URL", "PG"))}
    return subprocess.run(
        [sys.executable, "-m", "alembic_guard", "check", str(root), "--select", "AG3", "--db-url", admin, "--no-cache"],
        capture_output=True, text=True, timeout=120, env=env, cwd=root,
    )


@pytest.mark.postgres
@pytest.mark.mariadb
@pytest.mark.parametrize(("production", "style"), CASES, indirect=["production"], ids=[f"{s}-{t}" for s, t in CASES])
def test_env_py_reaching_for_another_database_is_stopped(tmp_path, production, style):
    server, name, admin = production
    root, marker = make_project(tmp_path, style, server, name)
    before = dump(server, name)
    activity = pg_activity(admin, name) if server == "postgresql" else None

    proc = run_check(root, admin)

    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert f"env.py tried to connect to {server}://" in out, out
    assert f"/{name}" in out, out  # names the target
    assert SECRET not in out  # masked
    assert "config.attributes[\"connection\"]" in out and "sqlalchemy.url" in out and "--env-var" in out
    if style != "async_engine":  # an event loop's connect has no env.py frame on its stack
        assert "(from migrations/env.py line " in out, out
    assert f":***@127.0.0.1:" in out, out
    assert not marker.exists(), "env.py got a connection to the other database"
    if server == "postgresql":  # before the dump, which connects and reads
        sessions, statements = pg_activity(admin, name)
        assert statements == activity[1], "a statement reached the other database"
        if style in ("raw_driver", "creator"):
            assert sessions <= activity[0] + 1  # logged in, checked, closed: no statement
        else:
            assert sessions == activity[0], "refused before connecting"
    assert dump(server, name) == before


LEGIT_SYNC = """
import os
import psycopg2
from alembic import context
from sqlalchemy import create_engine, engine_from_config, pool
config = context.config

# an extra raw connection and an engine of its own, both to the sandbox: allowed
url = create_engine(os.environ["DATABASE_URL"]).url
raw = psycopg2.connect(host=url.host, port=url.port, user=url.username, dbname=url.database)
raw.close()
with create_engine(os.environ["DATABASE_URL"]).connect() as other:
    other.exec_driver_sql("SELECT 1")

engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""
LEGIT_ASYNC = """
import asyncio
from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import async_engine_from_config
config = context.config


def do_run_migrations(connection):
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations():
    connectable = async_engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                           poolclass=pool.NullPool)
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()

asyncio.run(run_async_migrations())
"""


@pytest.mark.postgres
@pytest.mark.parametrize("env_py", [LEGIT_SYNC, LEGIT_ASYNC], ids=["sync", "async"])
def test_legitimate_sandbox_connections_pass(tmp_path, pg_admin_url, env_py):
    """env.py connecting by itself, but to the sandbox (sqlalchemy.url, $DATABASE_URL, a raw
    psycopg2 connect, an async engine as in `alembic init -t async`): allowed, the round trip runs."""
    root = tmp_path / "proj"
    (root / "migrations/versions").mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (root / "migrations/versions/aaaaaaaaaaaa_first.py").write_text(REVISION.replace('    op.execute("DELETE FROM customer")\n', ""))
    (root / "migrations/env.py").write_text(env_py)
    proc = run_check(root, pg_admin_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout


PLUGIN_CONFTEST = '''
import app_settings  # the app's settings, imported before the round trip (as many conftest.py do)
'''
PLUGIN_SETTINGS = '''import os
DATABASE_URL = os.environ.get("APP_DATABASE_URL", {prod!r})
'''
PLUGIN_TEST = '''
def test_roundtrip(alembic_guard_roundtrip):
    assert alembic_guard_roundtrip.walked
'''


@pytest.mark.postgres
def test_pytest_plugin_with_conftest_importing_settings_first(tmp_path, pg_admin_url):
    """conftest.py imported the app's settings (real URL cached in sys.modules) before the round
    trip; env.py reads that cached module. The plugin's round trip stops at the connect."""
    name = f"prodstandin_{secrets.token_hex(4)}"
    run_sql(pg_admin_url, f'CREATE DATABASE "{name}"')
    try:
        prod_url = with_database(pg_admin_url, name)
        run_sql(prod_url, "CREATE TABLE customer (id int primary key, name varchar(40))", "INSERT INTO customer VALUES (1, 'ada')")
        before = dump("postgresql", name)
        sessions_before = pg_activity(pg_admin_url, name)[0]
        root = tmp_path
        (root / "migrations/versions").mkdir(parents=True)
        (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\nprepend_sys_path = .\n")
        (root / "migrations/versions/aaaaaaaaaaaa_first.py").write_text(REVISION)
        (root / "migrations/env.py").write_text(STYLES["create_engine"].replace("{marker!r}", repr(str(tmp_path / "m"))))
        secret_url = prod_url.replace("postgres@", f"postgres:{SECRET}@")
        (root / "app_settings.py").write_text(PLUGIN_SETTINGS.format(prod=secret_url))
        (root / "conftest.py").write_text(PLUGIN_CONFTEST)
        (root / "test_migrations.py").write_text(PLUGIN_TEST)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALEMBIC_GUARD", "DATABASE_URL", "PG"))}
        env.update(ALEMBIC_GUARD_DB_URL=pg_admin_url, ALEMBIC_GUARD_DB="auto", ALEMBIC_GUARD_PROJECT=str(root))
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest_alembic", str(root)],
            cwd=root, env=env, capture_output=True, text=True, timeout=120,
        )
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, out
        assert "env.py tried to connect to" in out and f"/{name}" in out, out
        assert SECRET not in out
        assert not (tmp_path / "m").exists()
        assert pg_activity(pg_admin_url, name)[0] == sessions_before
        assert dump("postgresql", name) == before
    finally:
        run_sql(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}"')


# ------------------------------------------------------------------ matching, without a server
def _guard(url: str):
    from alembic_guard.sandbox.connection_guard import ConnectionGuard

    guard = ConnectionGuard()
    guard.allow(url)
    return guard


@pytest.mark.parametrize(("sandbox", "target", "allowed"), [
    ("postgresql+psycopg2://u@127.0.0.1:5432/ag_rt_1", "postgresql+asyncpg://u:pw@localhost/ag_rt_1", True),  # loopback names, async driver
    ("postgresql://u@127.0.0.1:5432/ag_rt_1", "postgresql://u@127.0.0.1:5433/ag_rt_1", False),  # another port: another server
    ("postgresql://u@127.0.0.1:5432/ag_rt_1", "postgresql://u@127.0.0.1:5432/ag_rt_2", False),
    ("postgresql://u@127.0.0.1:5432/ag_rt_1", "postgresql://u@db.example.com:5432/ag_rt_1", False),
    ("postgresql://u@/ag_rt_1?host=/tmp/ag-pg", "postgresql://u@/ag_rt_1?host=/tmp/ag-pg", True),  # unix socket
    ("postgresql://u@/ag_rt_1?host=/tmp/ag-pg", "postgresql://u@/ag_rt_1?host=/tmp/other", False),
    ("postgresql://u@/ag_rt_1?host=/tmp/ag-pg", "postgresql://u@127.0.0.1/ag_rt_1", False),
    ("mysql+pymysql://root@127.0.0.1:3306/ag_rt_1", "mariadb+pymysql://root@localhost/ag_rt_1", True),
    ("mysql+pymysql://root@127.0.0.1:3306/ag_rt_1", "postgresql://root@127.0.0.1:3306/ag_rt_1", False),  # another dialect
    ("sqlite:////tmp/x/ag_rt_1.sqlite", "sqlite:////tmp/x/ag_rt_1.sqlite", True),
    ("sqlite:////tmp/x/ag_rt_1.sqlite", "sqlite:////tmp/x/production.sqlite", False),
    ("sqlite:////tmp/x/ag_rt_1.sqlite", "sqlite://", True),  # in memory: nobody's data
])
def test_what_counts_as_the_sandbox(sandbox, target, allowed):
    from alembic_guard.sandbox.connection_guard import target_of_url

    assert _guard(sandbox).permits(target_of_url(target)) is allowed


def test_refusal_message_masks_and_names_the_target():
    from alembic_guard.sandbox.connection_guard import ConnectionRefusedBySandbox, target_of_url

    guard = _guard("postgresql://u@127.0.0.1:5432/ag_rt_1")
    with pytest.raises(ConnectionRefusedBySandbox):
        guard.refuse(target_of_url("postgresql://app:hunter2@db.example.com:6543/shop"), "app", True)
    text = str(guard.violation)
    assert "postgresql://app:***@db.example.com:6543/shop" in text and "hunter2" not in text
    assert "$DATABASE_URL" in text and "--env-var" in text


def test_inactive_guard_lets_everything_through(tmp_path):
    """Outside env.py (the sandbox's own CREATE/DROP DATABASE, the parent), nothing is checked."""
    import sqlite3

    from alembic_guard.sandbox import connection_guard

    connection_guard.install()
    assert not connection_guard.active()
    sqlite3.connect(tmp_path / "anything.sqlite").close()
    with _guard(f"sqlite:///{tmp_path / 'sandbox.sqlite'}"):
        with pytest.raises(connection_guard.ConnectionRefusedBySandbox):
            sqlite3.connect(tmp_path / "anything.sqlite")
        sqlite3.connect(tmp_path / "sandbox.sqlite").close()
    sqlite3.connect(tmp_path / "anything.sqlite").close()
