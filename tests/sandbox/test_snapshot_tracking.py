"""Incremental schema snapshots (PostgreSQL): after any DDL, what `take` returns while tracking is
exactly what a full read of the catalogs returns, and tracking leaves nothing behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_guard.sandbox import schema_snapshot as ss
from alembic_guard.sandbox.database import open_sandbox
from alembic_guard.sandbox.snapshot_postgres import read_postgresql

pytestmark = pytest.mark.postgres

# Each statement runs between two snapshots; the comments say what could go stale.
STATEMENTS = [
    "CREATE TABLE team (id serial PRIMARY KEY, name text NOT NULL UNIQUE)",
    "CREATE TABLE member (id int PRIMARY KEY, team_id int REFERENCES team(id), b text DEFAULT 'x' CHECK (b <> ''))",
    "ALTER TABLE member ADD COLUMN c int, ALTER COLUMN b SET NOT NULL",
    "CREATE INDEX ix_member_c ON member (c)",
    "ALTER TABLE member RENAME COLUMN c TO cc",  # the index definition names the column
    "DROP INDEX ix_member_c",  # only the index is reported: its table comes from the last snapshot
    "ALTER TABLE member DROP COLUMN cc, DROP CONSTRAINT member_b_check",
    "ALTER TABLE member ALTER COLUMN b DROP DEFAULT",
    "ALTER TABLE team RENAME TO squad",  # member's foreign key names it
    "ALTER TABLE squad RENAME COLUMN id TO ident",  # ... and its column
    "ALTER SEQUENCE team_id_seq RENAME TO squad_seq",  # squad's default names it
    "CREATE TYPE mood AS ENUM ('ok')",
    "ALTER TABLE member ADD COLUMN m mood DEFAULT 'ok'",
    "ALTER TYPE mood RENAME TO feeling",  # a type: a full snapshot
    "ALTER TYPE feeling ADD VALUE 'sad'",
    "CREATE SCHEMA audit",
    "ALTER TABLE member SET SCHEMA audit",
    "SET search_path = audit, public",  # names render differently
    "CREATE TABLE public.log (id int PRIMARY KEY)",
    "CREATE TABLE public.entry (id int, log_id int REFERENCES public.log(id))",
    "CREATE TABLE audit.log (id int)",  # shadows public.log: entry's foreign key now says public.log
    "DROP TABLE audit.log",
    "CREATE TABLE public.holder (l public.log, ls public.log[])",  # columns of a table's row type
    "ALTER TABLE public.log RENAME TO journal",
    "CREATE TABLE public.checked (id int CHECK (tableoid <> 'public.journal'::regclass))",
    "ALTER TABLE public.journal RENAME TO diary",
    "CREATE FUNCTION public.one() RETURNS int LANGUAGE sql AS 'select 1'",
    "ALTER TABLE public.entry ADD COLUMN n int DEFAULT public.one()",
    "ALTER FUNCTION public.one() RENAME TO uno",
    "CREATE VIEW public.v AS SELECT * FROM public.entry",
    "ALTER TABLE public.entry RENAME COLUMN n TO n2",
    "DROP VIEW public.v",
    "CREATE TABLE public.p (id int, k int) PARTITION BY RANGE (id)",
    "CREATE TABLE public.p1 PARTITION OF public.p FOR VALUES FROM (0) TO (10)",
    "ALTER TABLE public.p ADD COLUMN z text",  # reaches the partition
    "CREATE INDEX ix_p_k ON public.p (k)",  # ... and so does this
    "ALTER TABLE public.p DETACH PARTITION public.p1",
    "ALTER TABLE public.entry ALTER COLUMN id TYPE bigint",  # rebuilds dependent objects
    "DROP TABLE public.diary CASCADE",  # drops entry's foreign key too
    "INSERT INTO public.entry (id) VALUES (1)",  # not DDL
    "RESET ALL",  # the record is gone: a full snapshot
    "CREATE TABLE public.after_reset (id int)",
    "DROP TYPE feeling CASCADE",
    "DROP SCHEMA audit CASCADE",
]


@pytest.fixture
def pg_engine(pg_admin_url):
    with open_sandbox(pg_admin_url) as sb:
        engine = sa.create_engine(sb.create_database("track"), poolclass=sa.pool.NullPool)
        yield engine
        engine.dispose()


def _full(conn) -> ss.Snapshot:
    return ss.Snapshot.of(read_postgresql(conn, "alembic_version"))


def test_tracked_snapshots_equal_full_ones_after_every_statement(pg_engine):
    with pg_engine.connect() as conn:
        conn.begin()
        assert ss.track(conn)
        tracker = conn.info["ag_tracker"]
        assert ss.take(conn) == _full(conn)
        for stmt in STATEMENTS:
            conn.exec_driver_sql(stmt)
            taken = ss.take(conn)
            assert taken == _full(conn), f"after {stmt}:\n{ss.diff(_full(conn), taken)}"
        assert conn.info.get("ag_tracker") is tracker  # tracked all along...
        assert tracker.full < len(STATEMENTS) // 3  # ... and mostly incrementally
        conn.rollback()


def test_ddl_of_another_session_ends_tracking(pg_engine):
    with pg_engine.connect() as conn:
        conn.begin()
        assert ss.track(conn)
        ss.take(conn)
        with pg_engine.connect() as other:  # its triggers record into its own session
            other.exec_driver_sql("CREATE TABLE elsewhere (id int)")
            other.commit()
        conn.exec_driver_sql("CREATE TABLE here (id int)")
        taken = ss.take(conn)
        assert taken == _full(conn) and "public.elsewhere" in {n for _, n, _ in taken.items}
        assert "ag_tracker" not in conn.info
        conn.rollback()


def test_tracking_leaves_nothing_behind(pg_engine):
    with pg_engine.connect() as conn:
        conn.begin()
        assert ss.track(conn)
        conn.exec_driver_sql("CREATE TABLE t (id int)")
        ss.take(conn)
        ss.forget(conn)
        conn.rollback()
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_event_trigger").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ag_guard%%'").scalar() == 0
        assert ss.take(conn) == _full(conn)  # untracked: a full read
