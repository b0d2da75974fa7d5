"""The round-trip rules that read the lock trace (AG310-AG313), on a real project's revision file
and lock traces constructed for its lines: each fires on what it describes and stays silent on
the near misses. (tests/trace/test_trace_end_to_end.py runs them on real PostgreSQL traces.)"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from alembic_guard import settings as settings_mod
from alembic_guard.project import Project
from alembic_guard.rules import BY_CODE
from alembic_guard.trace.model import LockHeld, RevisionTrace, Trace, TracedStatement

from trace_projects import build, line_of

BODY = '''
from myapp.helpers import add_user_link


def upgrade():
    op.add_column("orders", sa.Column("code", sa.Text()))
    op.create_index("ix_orders_code", "orders", ["code"])
    add_user_link()
    op.execute("UPDATE orders SET code = 'x'")


def downgrade():
    pass
'''
HELPERS = {"myapp/__init__.py": "", "myapp/helpers.py": (
    "from alembic import op\n\n\ndef add_user_link():\n"
    '    op.create_foreign_key("fk_orders_users", "orders", "users", ["user_id"], ["id"])\n')}
READABLE = '''
PEOPLE = "people"


def upgrade():
    op.add_column("orders", sa.Column("code", sa.Text()))
    op.execute("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES " + PEOPLE)


def downgrade():
    pass
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("rules") / "p", BODY, HELPERS)
    proj = Project.load(settings_mod.load(root))
    lines = {k: line_of(root, k) for k in ("add_column", "create_index", "add_user_link()", "UPDATE")}
    return proj, lines


def stmt(line, sql, *locks, rewrites=(), scans=(), autocommit=False) -> TracedStatement:
    return TracedStatement(sql=sql, line=line, locks=tuple(locks), rewrites=tuple(rewrites), scans=tuple(scans),
                           autocommit=autocommit)


def lock(relation, mode, **kw) -> LockHeld:
    return LockHeld(relation=relation, mode=mode, **kw)


def run(code, proj, *statements, revision="b1"):
    result = SimpleNamespace(trace=Trace(revisions={revision: RevisionTrace(revision=revision, statements=statements)}))
    return list(BY_CODE[code](result, proj))


def test_every_trace_rule_is_silent_without_a_trace(project):
    proj, _ = project
    for code in ("AG310", "AG311", "AG312", "AG313"):
        assert list(BY_CODE[code](SimpleNamespace(trace=None), proj)) == []
        assert list(BY_CODE[code](SimpleNamespace(), proj)) == []  # a round trip on another dialect


# ------------------------------------------------------------------------------------- AG310
def test_ag310_fires_when_statements_follow_an_exclusive_lock(project):
    proj, lines = project
    found = run("AG310", proj,
                stmt(lines["add_column"], "ALTER TABLE orders ADD COLUMN code TEXT", lock("orders", "ACCESS EXCLUSIVE")),
                stmt(lines["create_index"], "CREATE INDEX ix_orders_code ON orders (code)", lock("orders", "SHARE")),
                stmt(None, "UPDATE alembic_version SET version_num='b1'", lock("alembic_version", "ROW EXCLUSIVE")))
    assert len(found) == 1
    f = found[0]
    assert f.location.line == lines["add_column"] and f.location.revision == "b1"
    assert "`orders` is held ACCESS EXCLUSIVE" in f.message and "across 2 statements" in f.message
    assert f"lines {lines['add_column']}, {lines['create_index']}" in f.message


def test_ag310_silent_when_the_lock_comes_last_or_ends_or_the_table_is_new(project):
    proj, lines = project
    assert run("AG310", proj,
               stmt(lines["create_index"], "CREATE INDEX ix ON orders (code)", lock("orders", "SHARE")),
               stmt(lines["add_column"], "ALTER TABLE orders ADD COLUMN code TEXT", lock("orders", "ACCESS EXCLUSIVE")),
               stmt(None, "UPDATE alembic_version SET version_num='b1'")) == []
    assert run("AG310", proj,
               stmt(lines["add_column"], "CREATE TABLE fresh (id int)", lock("fresh", "ACCESS EXCLUSIVE", existed=False)),
               stmt(lines["create_index"], "CREATE INDEX ix ON fresh (id)", lock("fresh", "SHARE", existed=False))) == []
    assert run("AG310", proj,  # autocommit_block() commits before its statement: the lock ends there
               stmt(lines["add_column"], "ALTER TABLE orders ADD COLUMN code TEXT", lock("orders", "ACCESS EXCLUSIVE")),
               stmt(lines["create_index"], "CREATE INDEX CONCURRENTLY ix ON orders (code)",
                    lock("orders", "SHARE UPDATE EXCLUSIVE"), autocommit=True),
               stmt(lines["UPDATE"], "UPDATE orders SET code = 'x'", lock("orders", "ROW EXCLUSIVE"))) == []
    assert run("AG310", proj,
               stmt(lines["add_column"], "DROP INDEX CONCURRENTLY ix", lock("orders", "ACCESS EXCLUSIVE"), autocommit=True),
               stmt(lines["create_index"], "CREATE INDEX ix ON orders (code)", lock("orders", "SHARE"))) == []


# ------------------------------------------------------------------------------------- AG311
def test_ag311_fires_on_a_rewrite_and_names_the_indexes(project):
    proj, lines = project
    found = run("AG311", proj, stmt(
        lines["add_user_link()"], "ALTER TABLE orders ALTER COLUMN id TYPE BIGINT",
        lock("orders", "ACCESS EXCLUSIVE"), lock("orders_pkey", "ACCESS EXCLUSIVE", kind="index", table="orders"),
        rewrites=("orders", "orders_pkey")))
    assert [f.location.line for f in found] == [lines["add_user_link()"]]
    assert "rewrote `orders` and 1 of its indexes under ACCESS EXCLUSIVE" in found[0].message
    assert found[0].message.startswith(f"Line {lines['add_user_link()']} (`ALTER TABLE orders ALTER COLUMN id TYPE BIGINT`)")
    # the lock it ran under may have been taken earlier (the trace lists only new locks), and a
    # statement may list several modes of one table: the message names the strongest held
    found = run("AG311", proj,
                stmt(lines["add_column"], "ALTER TABLE orders ADD COLUMN code TEXT", lock("orders", "ACCESS EXCLUSIVE")),
                stmt(lines["add_user_link()"], "ALTER TABLE orders ALTER COLUMN id TYPE BIGINT",
                     lock("orders", "ACCESS SHARE"), rewrites=("orders",)))
    assert "rewrote `orders` under ACCESS EXCLUSIVE" in found[0].message


def test_ag311_silent_without_a_rewrite_or_on_truncate(project):
    proj, lines = project
    assert run("AG311", proj,
               stmt(lines["add_column"], "ALTER TABLE orders ALTER COLUMN note TYPE TEXT", lock("orders", "ACCESS EXCLUSIVE")),
               stmt(lines["UPDATE"], "TRUNCATE orders", lock("orders", "ACCESS EXCLUSIVE"), rewrites=("orders",))) == []


# ------------------------------------------------------------------------------------- AG312
def test_ag312_fires_on_a_table_the_revision_does_not_name_and_says_what_it_could_not_read(project):
    proj, lines = project
    found = run("AG312", proj, stmt(
        lines["add_user_link()"], "ALTER TABLE orders ADD CONSTRAINT fk_orders_users FOREIGN KEY(user_id) REFERENCES users (id)",
        lock("orders", "SHARE ROW EXCLUSIVE"), lock("users", "SHARE ROW EXCLUSIVE"), lock("users_pkey", "ACCESS SHARE", kind="index")))
    assert len(found) == 1, [f.message for f in found]  # `orders` is named in the file; the index is not a table
    f = found[0]
    assert f.location.line == lines["add_user_link()"]
    assert "takes SHARE ROW EXCLUSIVE on `users`, which the revision does not name (blocks writes" in f.message
    assert f"line {lines['add_user_link()']}: calls `add_user_link`" in f.message  # what the static reader could not see


def test_ag312_fires_without_a_blind_spot_note_when_the_revision_reads_entirely(tmp_path):
    root = build(tmp_path / "p", READABLE)  # a trigger on `people` that writes to `users`, say
    proj = Project.load(settings_mod.load(root))
    line = line_of(root, "op.execute")
    found = run("AG312", proj, stmt(line, "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES people",
                                    lock("orders", "SHARE ROW EXCLUSIVE"), lock("users", "SHARE ROW EXCLUSIVE")))
    assert [f.message.split(" takes ")[1] for f in found] == [
        "SHARE ROW EXCLUSIVE on `users`, which the revision does not name (blocks writes (reads go on))"]


def test_ag312_silent_when_every_locked_table_is_named_or_the_lock_lets_writes_through(project):
    proj, lines = project
    assert run("AG312", proj,
               stmt(lines["add_column"], "ALTER TABLE orders ADD COLUMN code TEXT", lock("orders", "ACCESS EXCLUSIVE")),
               stmt(lines["UPDATE"], "UPDATE orders SET code = 'x'", lock("orders", "ROW EXCLUSIVE"),
                    lock("users", "ROW SHARE")),  # ROW SHARE on an unnamed table: writes go on
               stmt(None, "UPDATE alembic_version SET version_num='b1'", lock("alembic_version", "ROW EXCLUSIVE")),
               stmt(lines["create_index"], "CREATE INDEX ix ON orders (code)", lock("audit.orders", "SHARE"))) == []


# ------------------------------------------------------------------------------------- AG313
def test_ag313_fires_on_a_scan_under_a_lock_held_since_an_earlier_statement(project):
    proj, lines = project
    found = run("AG313", proj,
                stmt(lines["add_column"], "ALTER TABLE orders ADD COLUMN code TEXT", lock("orders", "ACCESS EXCLUSIVE")),
                stmt(lines["UPDATE"], "UPDATE orders SET code = 'x'", lock("orders", "ROW EXCLUSIVE"), scans=("orders",)))
    assert [f.location.line for f in found] == [lines["UPDATE"]]
    assert "reads all of `orders` while the revision holds ACCESS EXCLUSIVE on it (blocks reads and writes)" in found[0].message


def test_ag313_silent_under_a_lock_that_lets_writes_through_or_on_a_rewrite(project):
    proj, lines = project
    assert run("AG313", proj,
               stmt(lines["add_column"], "CREATE INDEX CONCURRENTLY ix ON orders (code)", lock("orders", "SHARE"),
                    autocommit=True),  # its lock ended with it
               stmt(lines["create_index"], "ALTER TABLE orders VALIDATE CONSTRAINT ck",
                    lock("orders", "SHARE UPDATE EXCLUSIVE"), scans=("orders",)),
               stmt(lines["UPDATE"], "UPDATE orders SET code = 'x'", lock("orders", "ROW EXCLUSIVE"), scans=("orders",))) == []
    assert run("AG313", proj,
               stmt(lines["add_column"], "ALTER TABLE orders ALTER COLUMN id TYPE BIGINT", lock("orders", "ACCESS EXCLUSIVE"),
                    rewrites=("orders",), scans=("orders",))) == []
