"""Schema snapshots on real databases: every kind of object shows up, and a change shows in the diff."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_guard.sandbox import schema_snapshot as ss
from alembic_guard.sandbox.database import open_sandbox

PG_SCHEMA = [
    "CREATE SCHEMA billing",
    "CREATE TYPE mood AS ENUM ('ok', 'sad')",
    "CREATE SEQUENCE ticket_seq START 10",
    "CREATE TABLE team (id serial PRIMARY KEY, name text NOT NULL UNIQUE)",
    "CREATE TABLE member (id int PRIMARY KEY, team_id int REFERENCES team(id), m mood DEFAULT 'ok',"
    " age int CHECK (age > 0), CONSTRAINT uq_member UNIQUE (team_id, age))",
    "CREATE INDEX ix_member_age ON member (age)",
    "CREATE TABLE billing.invoice (id int PRIMARY KEY)",
    "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
]


@pytest.fixture(scope="module")
def pg_conn(pg_admin_url):
    with open_sandbox(pg_admin_url) as sb:
        engine = sa.create_engine(sb.create_database("snap"), poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            for stmt in PG_SCHEMA:
                conn.exec_driver_sql(stmt)
            conn.commit()
            yield conn
        engine.dispose()


def _changed(conn, *statements) -> str:
    """Diff after running `statements` inside a transaction that is rolled back."""
    before = ss.take(conn)  # autobegins a transaction: everything below is rolled back
    try:
        for stmt in statements:
            conn.exec_driver_sql(stmt)
        return ss.diff(before, ss.take(conn))
    finally:
        conn.rollback()


@pytest.mark.postgres
def test_postgresql_snapshot_sees_every_kind(pg_conn):
    snap = ss.take(pg_conn)
    kinds = {k for k, _, _ in snap.items}
    assert kinds == {"schema", "enum", "sequence", "table", "column", "primary key", "unique", "check", "foreign key", "index"}
    names = {n for _, n, _ in snap.items}
    assert {"billing", "public.mood", "public.ticket_seq", "billing.invoice", "public.member.m", "public.ix_member_age"} <= names
    assert not any("alembic_version" in n for n in names)  # Alembic's own table is ignored
    assert snap == ss.take(pg_conn) and hash(snap) == hash(ss.take(pg_conn))


@pytest.mark.postgres
@pytest.mark.parametrize("statements, expected", [
    (["ALTER TABLE member ALTER COLUMN age TYPE bigint"], "~ column public.member.age: integer -> bigint"),
    (["ALTER TABLE member ALTER COLUMN age SET NOT NULL"], "~ column public.member.age: integer -> integer NOT NULL"),
    (["ALTER TABLE member ALTER COLUMN m DROP DEFAULT"], "~ column public.member.m: mood DEFAULT 'ok'::mood -> mood"),
    (["ALTER TYPE mood ADD VALUE 'glad'"], "~ enum public.mood: 'ok', 'sad' -> 'ok', 'sad', 'glad'"),
    (["DROP INDEX ix_member_age"], "- index public.ix_member_age"),
    (["ALTER TABLE member DROP CONSTRAINT member_age_check"], "- check public.member.member_age_check: CHECK ((age > 0))"),
    (["ALTER TABLE member DROP CONSTRAINT member_team_id_fkey"], "- foreign key public.member.member_team_id_fkey"),
    (["CREATE SEQUENCE other_seq"], "+ sequence public.other_seq: bigint start 1 increment 1"),
    (["CREATE SCHEMA audit"], "+ schema audit"),
    (["INSERT INTO team (name) VALUES ('data is not schema')"], ""),
])
def test_postgresql_changes_show_in_the_diff(pg_conn, statements, expected):
    diff = _changed(pg_conn, *statements)
    if expected:
        assert expected in diff, diff
    else:
        assert diff == ""


@pytest.mark.mariadb
def test_mariadb_snapshot_and_diff(mariadb_admin_url):
    with open_sandbox(mariadb_admin_url) as sb:
        engine = sa.create_engine(sb.create_database("snap"), poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE team (id int PRIMARY KEY AUTO_INCREMENT, name varchar(50) NOT NULL UNIQUE)")
            conn.exec_driver_sql("CREATE TABLE member (id int PRIMARY KEY, team_id int, age int CHECK (age > 0),"
                                 " CONSTRAINT fk_team FOREIGN KEY (team_id) REFERENCES team(id))")
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
            before = ss.take(conn)
            kinds = {k for k, _, _ in before.items}
            assert {"table", "column", "primary key", "unique", "foreign key", "index", "check"} <= kinds
            assert not any("alembic_version" in n for _, n, _ in before.items)
            conn.exec_driver_sql("CREATE INDEX ix_age ON member (age)")
            conn.exec_driver_sql("ALTER TABLE member MODIFY age bigint")
            diff = ss.diff(before, ss.take(conn))
        engine.dispose()
    assert "+ index member.ix_age: BTREE (age)" in diff
    assert "~ column member.age: int(11) DEFAULT NULL -> bigint(20) DEFAULT NULL" in diff


def test_sqlite_snapshot_and_diff(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        conn.exec_driver_sql("CREATE TABLE member (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team(id))")
        before = ss.take(conn)
        conn.exec_driver_sql("CREATE INDEX ix_team ON member (team_id)")
        conn.exec_driver_sql("ALTER TABLE member ADD COLUMN nick TEXT DEFAULT 'x'")
        diff = ss.diff(before, ss.take(conn))
    assert {k for k, _, _ in before.items} >= {"table", "column", "primary key", "unique", "foreign key"}
    assert diff.splitlines() == ["+ column member.nick: TEXT DEFAULT 'x'", "+ index member.ix_team: (team_id)"]


def test_diff_format():
    a = ss.Snapshot.of([("table", "t", ""), ("index", "ix_a", "(a)"), ("column", "t.id", "integer")])
    b = ss.Snapshot.of([("table", "t", ""), ("column", "t.id", "bigint"), ("enum", "e", "'x'")])
    assert ss.diff(a, b).splitlines() == ["+ enum e: 'x'", "- index ix_a: (a)", "~ column t.id: integer -> bigint"]
    assert ss.diff(a, a) == ""
