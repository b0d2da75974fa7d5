"""The claims the operation rules make, checked on the real PostgreSQL server.

Each test runs the statement a rule flags (and the one it accepts) in a throwaway database that
this test creates and always drops, and asserts what the rule's docs say: the error PostgreSQL
raises, or whether the table was rewritten (its relfilenode changes). The same SQL is also fed
through `op.execute` to show that the rule fires on exactly that statement.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest

from alembic_guard.testing import check_source

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_admin_url):
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(pg_admin_url)
    params = dict(host=url.host, port=url.port or 5432, user=url.username, password=url.password or None)
    name = f"ag_oplint_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dbname=url.database or "postgres", **params)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    conn = psycopg2.connect(dbname=name, **params)
    try:
        yield conn
    finally:
        conn.close()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def tx(conn):
    conn.autocommit = False
    try:
        yield conn.cursor()
    finally:
        conn.rollback()


def run(conn, sql: str) -> None:
    conn.autocommit = True
    conn.cursor().execute(sql)


def error_of(conn, *statements: str) -> str | None:
    """Run the statements in one transaction (like an Alembic migration); the error, if any."""
    import psycopg2

    with tx(conn) as cur:
        try:
            for s in statements:
                cur.execute(s)
        except psycopg2.Error as exc:
            return str(exc).strip()
    return None


def relfilenode(conn, table: str) -> int:
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT relfilenode FROM pg_class WHERE relname = %s", (table,))
    return cur.fetchone()[0]


def codes(sql: str, select: str) -> list[str]:
    return [f.code for f in check_source(f"def upgrade():\n    op.execute({sql!r})\n", select, "postgresql")]


def test_concurrent_index_fails_in_a_transaction(pg):
    run(pg, "CREATE TABLE t (a int)")
    sql = "CREATE INDEX CONCURRENTLY ix_t_a ON t (a)"
    assert "cannot run inside a transaction block" in error_of(pg, sql)
    run(pg, sql)  # outside a transaction (autocommit_block) it works
    assert codes(sql, "AG402") == ["AG402"]


def test_not_null_column_without_default_fails_on_rows(pg):
    run(pg, "CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
    bad, good = "ALTER TABLE t ADD COLUMN b text NOT NULL", "ALTER TABLE t ADD COLUMN b text NOT NULL DEFAULT 'x'"
    assert "contains null values" in error_of(pg, bad)
    assert error_of(pg, good) is None
    assert codes(bad, "AG405") == ["AG405"] and codes(good, "AG405") == []


def test_new_enum_value_unusable_in_the_same_transaction(pg):
    run(pg, "CREATE TYPE state AS ENUM ('new'); CREATE TABLE t (s state)")
    add, use = "ALTER TYPE state ADD VALUE 'done'", "INSERT INTO t VALUES ('done')"
    assert "unsafe use of new value" in error_of(pg, add, use)
    found = check_source(f"def upgrade():\n    op.execute({add!r})\n    op.execute({use!r})\n", "AG415", "postgresql")
    assert [f.code for f in found] == ["AG415"]


def test_volatile_default_rewrites_the_table_constant_default_does_not(pg):
    run(pg, "CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 100)")
    before = relfilenode(pg, "t")
    const = "ALTER TABLE t ADD COLUMN b text DEFAULT 'x'"
    run(pg, const)
    assert relfilenode(pg, "t") == before
    volatile = "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()"
    run(pg, volatile)
    assert relfilenode(pg, "t") != before
    assert codes(const, "AG406") == [] and codes(volatile, "AG406") == ["AG406"]


def test_type_changes_rewrite_unless_binary_coercible(pg):
    run(pg, "CREATE TABLE t (n int, v varchar(10)); INSERT INTO t VALUES (1, 'a')")
    before = relfilenode(pg, "t")
    run(pg, "ALTER TABLE t ALTER COLUMN v TYPE varchar(20)")
    run(pg, "ALTER TABLE t ALTER COLUMN v TYPE text")
    assert relfilenode(pg, "t") == before  # what AG403 accepts with existing_type
    run(pg, "ALTER TABLE t ALTER COLUMN n TYPE bigint")
    assert relfilenode(pg, "t") != before
    ok = 'def upgrade():\n    op.alter_column("t", "v", type_=sa.Text(), existing_type=sa.String(10))\n'
    bad = 'def upgrade():\n    op.alter_column("t", "n", type_=sa.BigInteger(), existing_type=sa.Integer())\n'
    assert check_source(ok, "AG403", "postgresql") == []
    assert [f.code for f in check_source(bad, "AG403", "postgresql")] == ["AG403"]


def test_long_identifiers_are_truncated(pg):
    run(pg, "CREATE TABLE t (a int)")
    name = "ix_" + "a" * 70
    run(pg, f"CREATE INDEX {name} ON t (a)")
    conn = pg
    cur = conn.cursor()
    cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 't'")
    assert [r[0] for r in cur.fetchall()] == [name[:63]]
    assert [f.code for f in check_source(f'def upgrade():\n    op.create_index("{name}", "t", ["a"])\n', "AG426", "postgresql")] == ["AG426"]


def test_set_not_null_after_validated_check_is_accepted(pg):
    """PostgreSQL 12+ proves NOT NULL from a validated CHECK: AG407's accepted pattern works."""
    run(pg, "CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
    steps = [
        "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID",
        "ALTER TABLE t VALIDATE CONSTRAINT t_a_nn",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
        "ALTER TABLE t DROP CONSTRAINT t_a_nn",
    ]
    assert error_of(pg, *steps) is None
    source = "def upgrade():\n" + "".join(f"    op.execute({s!r})\n" for s in steps)
    assert check_source(source, "AG407", "postgresql") == []
