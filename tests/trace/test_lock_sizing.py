"""The gate's sizing, without a database: locks predicted from the code read statically, locks
taken from a trace, the duration estimate and the --block-write-lock-over policy."""

from __future__ import annotations

import pytest

from alembic_guard import ops
from alembic_guard.errors import GuardError
from alembic_guard.project import Project
from alembic_guard.settings import load
from alembic_guard.trace.locks_used import LockUse, measured, predicted, strongest_per_table, unsized
from alembic_guard.trace.model import LockHeld, RevisionTrace, TracedStatement
from alembic_guard.trace.sizing import Limit, RevisionSizing, TableLock, TableSize, duration_class, estimate, size_revision

HEADER = '''"""r

Revision ID: r1
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "r1"
down_revision = None


def upgrade():
'''


def calls_of(tmp_path, body: str):
    """The statically read operations of one revision whose upgrade() is `body`."""
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://x@h/db\n")
    (tmp_path / "migrations" / "env.py").write_text("")
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    (versions / "r1_x.py").write_text(HEADER + lines + "\n\ndef downgrade():\n    pass\n")
    project = Project.load(load(tmp_path))
    return ops.operations(project).of(project.by_revision["r1"]).calls


def modes(uses):
    return [(u.table, u.mode, u.work) for u in uses]


@pytest.mark.parametrize("body, expected", [
    ('op.create_index("ix", "orders", ["a"])', [("orders", "SHARE", "index build")]),
    ('with op.get_context().autocommit_block():\n    op.create_index("ix", "orders", ["a"], postgresql_concurrently=True)',
     [("orders", "SHARE UPDATE EXCLUSIVE", "index build")]),
    ('op.drop_index("ix", table_name="orders")', [("orders", "ACCESS EXCLUSIVE", "instant")]),
    ('op.add_column("orders", sa.Column("c", sa.Text()))', [("orders", "ACCESS EXCLUSIVE", "instant")]),
    ('op.add_column("orders", sa.Column("c", sa.Float(), server_default=sa.text("random()")))',
     [("orders", "ACCESS EXCLUSIVE", "rewrite")]),
    ('op.alter_column("orders", "total", type_=sa.BigInteger())', [("orders", "ACCESS EXCLUSIVE", "rewrite")]),
    ('op.alter_column("orders", "note", type_=sa.Text(), existing_type=sa.String(20))',
     [("orders", "ACCESS EXCLUSIVE", "instant")]),
    ('op.alter_column("orders", "note", nullable=False)', [("orders", "ACCESS EXCLUSIVE", "scan")]),
    ('op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])',
     [("orders", "SHARE ROW EXCLUSIVE", "scan"), ("users", "SHARE ROW EXCLUSIVE", "instant")]),
    ('op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)',
     [("orders", "SHARE ROW EXCLUSIVE", "instant"), ("users", "SHARE ROW EXCLUSIVE", "instant")]),
    ('op.create_check_constraint("ck", "orders", "total > 0")', [("orders", "ACCESS EXCLUSIVE", "scan")]),
    ('op.create_unique_constraint("uq", "orders", ["code"])', [("orders", "ACCESS EXCLUSIVE", "index build")]),
    ('op.execute("UPDATE orders SET total = 0 WHERE total IS NULL")', [("orders", "ROW EXCLUSIVE", "backfill")]),
    ('op.create_index("ix", "orders", ["a"], schema="shop")', [("shop.orders", "SHARE", "index build")]),
])
def test_predicted_locks_follow_the_documentation(tmp_path, body, expected):
    assert modes(predicted(calls_of(tmp_path, body))) == expected


def test_tables_created_by_the_revision_are_not_sized(tmp_path):
    calls = calls_of(tmp_path, '''
op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True))
op.create_index("ix_audit", "audit", ["id"])
op.add_column("orders", sa.Column("c", sa.Text()))
''')
    assert modes(predicted(calls)) == [("orders", "ACCESS EXCLUSIVE", "instant")]


def test_unsized_work_is_named(tmp_path):
    calls = calls_of(tmp_path, '''
name = get_table()
op.create_index("ix", name, ["a"])
''')
    assert predicted(calls) == []
    (why,) = unsized(calls)
    assert why.startswith("line 16: create_index on a table computed at run time")


def test_measured_locks_and_the_work_done_under_them():
    stmts = (
        TracedStatement("ALTER TABLE orders ALTER total TYPE bigint", line=3, seconds=1.0,
                        locks=(LockHeld("orders", "ACCESS EXCLUSIVE"),
                               LockHeld("orders_pkey", "ACCESS EXCLUSIVE", kind="index", table="orders")),
                        rewrites=("orders",)),
        TracedStatement("CREATE INDEX ix ON users (email)", line=4, seconds=0.5,
                        locks=(LockHeld("users", "SHARE"), LockHeld("ix", "ACCESS EXCLUSIVE", kind="index",
                                                                      existed=False, table="users"))),
        TracedStatement("ALTER TABLE users VALIDATE CONSTRAINT ck", line=5, seconds=0.2,
                        locks=(LockHeld("users", "SHARE UPDATE EXCLUSIVE"),), scans=("users",)),
        TracedStatement("UPDATE users SET x = 1", line=6, locks=(LockHeld("users", "ROW EXCLUSIVE"),)),
        TracedStatement("ALTER TABLE users ADD c int", line=7, locks=(LockHeld("users", "ACCESS EXCLUSIVE"),)),
        TracedStatement("CREATE TABLE t (id int)", line=8, locks=(LockHeld("t", "ACCESS EXCLUSIVE", existed=False),)),
    )
    uses = measured(RevisionTrace("r", stmts, rows={"orders": 10, "users": 20}))
    assert modes(uses) == [
        ("orders", "ACCESS EXCLUSIVE", "rewrite"), ("users", "SHARE", "index build"),
        ("users", "SHARE UPDATE EXCLUSIVE", "scan"), ("users", "ROW EXCLUSIVE", "backfill"),
        ("users", "ACCESS EXCLUSIVE", "instant")]
    assert uses[0].traced_rows == 10 and uses[0].seconds == 1.0 and uses[0].source == "measured"
    strongest = strongest_per_table(uses)
    assert {t: (u.mode, u.work) for t, u in strongest.items()} == {
        "orders": ("ACCESS EXCLUSIVE", "rewrite"), "users": ("ACCESS EXCLUSIVE", "instant")}


def big(rows=48_000_000, total=12_000_000_000, indexes=2_000_000_000) -> TableSize:
    return TableSize("orders", True, rows, pages=(total - indexes) // 8192, total_bytes=total, index_bytes=indexes)


def test_estimates_scale_measured_rates_and_fall_back_to_sizes():
    measured_use = LockUse("orders", "SHARE", "index build", 3, "CREATE INDEX", "measured", seconds=0.5, traced_rows=10_000)
    seconds, basis = estimate(measured_use, big())
    assert seconds == pytest.approx(0.5 * 4800) and "scaled to 48,000,000 rows" in basis
    empty = LockUse("orders", "SHARE", "index build", 3, "CREATE INDEX", "measured", seconds=0.01, traced_rows=0)
    seconds, basis = estimate(empty, big())
    assert seconds == pytest.approx(10e9 / 40e6) and "the traced table was empty" in basis
    few = LockUse("orders", "SHARE", "index build", 3, "CREATE INDEX", "measured", seconds=0.01, traced_rows=10)
    seconds, basis = estimate(few, big())
    assert seconds == pytest.approx(10e9 / 40e6) and "10 traced rows are too few to scale from" in basis
    rewrite = LockUse("orders", "ACCESS EXCLUSIVE", "rewrite", 3, "alter_column")
    assert estimate(rewrite, big())[0] == pytest.approx(12e9 / 30e6)  # the indexes are rebuilt too
    instant = LockUse("orders", "ACCESS EXCLUSIVE", "instant", 3, "add_column")
    assert estimate(instant, big()) == (0.0, "catalogue change only; it still waits behind every open transaction on the table")
    assert estimate(rewrite, TableSize("orders", found=False))[0] is None


@pytest.mark.parametrize("seconds, work, expected", [
    (0.0, "instant", "instant"), (59.9, "scan", "seconds"), (60, "scan", "minutes"), (3599, "rewrite", "minutes"),
    (3600, "rewrite", "hours"), (None, "scan", "unknown"),
])
def test_duration_classes(seconds, work, expected):
    assert duration_class(seconds, work) == expected


def test_size_revision_keeps_the_strongest_lock_and_the_heaviest_work():
    uses = [LockUse("orders", "ACCESS EXCLUSIVE", "instant", 3, "add_column c"),
            LockUse("orders", "SHARE", "index build", 4, "create_index ix"),
            LockUse("gone", "ACCESS EXCLUSIVE", "instant", 5, "drop_column")]
    rs = size_revision("r1", uses, {"orders": big()}, source="predicted")
    orders, gone = rs.tables
    assert (orders.use.mode, orders.use.work, orders.use.line, orders.duration) == ("ACCESS EXCLUSIVE", "index build", 4, "minutes")
    assert gone.size is None and gone.duration == "instant"


@pytest.mark.parametrize("text, rows, size", [
    ("1000000", 1_000_000, None), ("1_000_000", 1_000_000, None), ("2M", 2_000_000, None), ("50k", 50_000, None),
    ("500MB", None, 500_000_000), ("2 GB", None, 2_000_000_000), ("1.5gb", None, 1_500_000_000),
])
def test_limit_parse(text, rows, size):
    limit = Limit.parse(text)
    assert (limit.rows, limit.bytes) == (rows, size)


@pytest.mark.parametrize("text", ["", "lots", "-5", "5 rows", "MB"])
def test_bad_limit_is_a_clear_error(text):
    with pytest.raises(GuardError, match="give a number of rows"):
        Limit.parse(text)


def test_policy_counts_only_write_blocking_locks_on_tables_over_the_limit():
    def table(mode, size):
        return TableLock(LockUse("orders", mode, "instant", 1, "x"), size, 0.0, "")

    sizing = [RevisionSizing("r1", "predicted", (table("SHARE UPDATE EXCLUSIVE", big()),)),
              RevisionSizing("r2", "predicted", (table("ACCESS EXCLUSIVE", big(rows=10)),)),
              RevisionSizing("r3", "measured", (table("SHARE ROW EXCLUSIVE", big()),)),
              RevisionSizing("r4", "predicted", (table("ACCESS EXCLUSIVE", TableSize("orders", found=False)),))]
    (violation,) = Limit.parse("1M").violations(sizing)
    assert (violation["revision"], violation["mode"], violation["why"]) == ("r3", "SHARE ROW EXCLUSIVE", "48,000,000 rows > 1,000,000")
    by_size = Limit.parse("1GB").violations(sizing)
    assert [v["revision"] for v in by_size] == ["r2", "r3"] and by_size[0]["why"] == "12.0 GB > 1000.0 MB"
