"""The runtime kit against real SQLite and PostgreSQL: N+1 caught with its call site, lazy loads
blocked, leaked sessions reported, no false reports on eager-loaded code."""

from __future__ import annotations

import inspect

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from alembic_guard.testing.runtime import (
    LazyLoadError,
    NPlusOneError,
    detect_n_plus_one,
    no_lazy_loads,
    normalise_sql,
    watch_pools,
)
from tests.runtime.conftest import Order, User


def _line_of(marker: str) -> int:
    src = inspect.getsource(inspect.getmodule(_line_of)).splitlines()
    for i, line in enumerate(src, start=1):
        if marker in line and "_line_of" not in line:
            return i
    raise AssertionError(marker)


def test_n_plus_one_is_caught_with_relationship_and_call_site(engine):
    with Session(engine) as session, detect_n_plus_one(threshold=3) as report:
        for user in session.scalars(sa.select(User).order_by(User.id)):
            _ = len(user.orders)  # N+1 HERE
    problems = report.problems
    assert len(problems) == 1
    group = problems[0]
    assert group.relationship == "User.orders"
    assert group.count == 6
    assert group.call_site.endswith(f"test_runtime_kit.py:{_line_of('# N+1 HERE')}")
    assert "orders" in group.sql.lower() and "?" in group.sql
    with pytest.raises(NPlusOneError, match=r"User\.orders.*6 times"):
        report.assert_clean()


def test_many_to_one_n_plus_one(engine):
    with Session(engine) as session, detect_n_plus_one(threshold=2) as report:
        orders = session.scalars(sa.select(Order)).all()
        session.expunge_all()
        session.add_all(orders)
        names = [o.user.name for o in orders]  # may hit the identity map
    assert len(names) == 12
    # every problem reported names the relationship it came from
    assert all(p.relationship == "Order.user" for p in report.problems)


@pytest.mark.parametrize("loader", [selectinload, joinedload])
def test_eager_loaded_code_is_clean(engine, loader):
    stmt = sa.select(User).options(loader(User.orders)).order_by(User.id)
    with Session(engine) as session, detect_n_plus_one(threshold=2) as report:
        users = session.scalars(stmt).unique().all()
        total = sum(len(u.orders) for u in users)
    assert total == 12
    assert report.problems == []
    assert report.total_statements >= 1
    report.assert_clean()


def test_below_threshold_is_not_reported(engine):
    with Session(engine) as session, detect_n_plus_one(threshold=10) as report:
        for user in session.scalars(sa.select(User)):
            _ = user.orders
    assert report.problems == []
    assert sum(g.count for g in report.groups.values()) == 6


def test_lazy_load_guard_blocks_lazy_loads(engine):
    with Session(engine) as session:
        user = session.scalars(sa.select(User).limit(1)).one()
        with no_lazy_loads() as blocked:
            with pytest.raises(LazyLoadError, match=r"User\.orders.*test_runtime_kit\.py:\d+"):
                _ = user.orders
        assert len(blocked) == 1
        # outside the block lazy loading works again
        assert len(user.orders) == 2


def test_lazy_load_guard_allows_eager_loads(engine):
    with Session(engine) as session:
        with no_lazy_loads() as blocked:
            users = session.scalars(sa.select(User).options(selectinload(User.orders))).all()
            assert sum(len(u.orders) for u in users) == 12
        assert blocked == []


def test_pool_watcher_reports_leaked_session(engine):
    with watch_pools() as report:
        leaked = Session(engine)
        leaked.execute(sa.text("select 1"))  # LEAK HERE
        with Session(engine) as fine:
            fine.execute(sa.text("select 1"))
    try:
        assert len(report.leaks) == 1
        stats = report.leaks[0]
        assert stats.open == 1
        assert stats.capacity == 4
        assert stats.peak == 2
        assert list(stats.checked_out.values())[0].endswith(f"test_runtime_kit.py:{_line_of('# LEAK HERE')}")
        assert "leaked" in stats.describe()
        with pytest.raises(AssertionError, match="still checked out"):
            report.assert_no_leaks()
    finally:
        leaked.close()


def test_pool_watcher_clean_and_saturation(engine):
    with watch_pools() as report:
        conns = [engine.connect() for _ in range(4)]
        for c in conns:
            c.close()
    assert report.leaks == []
    (stats,) = report.pools.values()
    assert stats.peak == 4 and stats.capacity == 4
    assert report.saturated == [stats]
    report.assert_no_leaks()


def test_normalise_sql():
    a = normalise_sql("SELECT * FROM orders WHERE orders.user_id = %(param_1)s AND x IN (1, 2, 3)")
    b = normalise_sql("SELECT *  FROM orders WHERE orders.user_id = ? AND x IN (7)")
    assert a == b == "SELECT * FROM orders WHERE orders.user_id = ? AND x IN (?)"
    assert normalise_sql("select 'it''s' , 42") == "select ? , ?"


pytest_plugins = ["pytester"]


def test_fixtures_fail_a_test_with_n_plus_one_and_leaks(pytester, sqlite_runtime_url):
    pytester.makepyfile(
        test_user=f"""
import pytest
import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    orders: Mapped[list["Order"]] = relationship()

class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

URL = {str(sqlite_runtime_url)!r}

def test_n1(n_plus_one):
    engine = sa.create_engine(URL)
    with Session(engine) as s:
        for u in s.scalars(sa.select(User)):
            u.orders

def test_eager(n_plus_one):
    engine = sa.create_engine(URL)
    with Session(engine) as s:
        for u in s.scalars(sa.select(User).options(selectinload(User.orders))):
            u.orders

@pytest.mark.n_plus_one(threshold=50)
def test_high_threshold(n_plus_one):
    engine = sa.create_engine(URL)
    with Session(engine) as s:
        for u in s.scalars(sa.select(User)):
            u.orders

def test_leak(pool_watcher):
    engine = sa.create_engine(URL)
    s = Session(engine)
    s.execute(sa.text("select 1"))

def test_guard(lazy_load_guard):
    engine = sa.create_engine(URL)
    with Session(engine) as s:
        u = s.scalars(sa.select(User).limit(1)).one()
        with lazy_load_guard():
            u.orders
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    relaxed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "alembic_guard_n_plus_one_threshold=100", "-k", "n1")
    assert relaxed.parseoutcomes().get("passed") == 1
    outcomes = result.parseoutcomes()
    text = result.stdout.str()
    assert "User.orders" in text and "test_user.py:" in text
    assert "still checked out" in text
    assert "LazyLoadError" in text
    # n1, leak and guard are failures of those tests (F), not setup/teardown errors
    assert outcomes.get("passed") == 2
    assert outcomes.get("failed") == 3
    assert not outcomes.get("errors", outcomes.get("error"))
    assert "ERROR at teardown" not in text
    failed = {line.split()[1].split("::")[1] for line in text.splitlines() if line.startswith("FAILED ")}
    assert failed == {"test_n1", "test_leak", "test_guard"}


@pytest.fixture
def scratch_pg_url(pg_admin_url):
    """A PostgreSQL database of the test's own, dropped afterwards."""
    import uuid

    name = f"ag_kit_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_leaked_connection_is_closed_so_teardown_does_not_hang(pytester, scratch_pg_url):
    """A leaked session holds a lock; the suite's teardown drops the table. The watcher reports the leak
    as the test's failure and closes the connection, so the DROP does not wait for it."""
    pytester.makeconftest(f"""
import pytest
import sqlalchemy as sa

URL = {scratch_pg_url!r}

@pytest.fixture
def table():
    engine = sa.create_engine(URL)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE IF NOT EXISTS ag_kit_leak (id int)"))
    yield engine
    admin = sa.create_engine(URL, connect_args={{"options": "-c lock_timeout=20000"}})
    with admin.begin() as c:  # would wait for the leaked transaction's lock without the watcher
        c.execute(sa.text("DROP TABLE ag_kit_leak"))
""")
    pytester.makepyfile(test_leak="""
import sqlalchemy as sa
from sqlalchemy.orm import Session

def test_leak(table, pool_watcher):
    s = Session(table)
    s.execute(sa.text("LOCK TABLE ag_kit_leak IN ACCESS EXCLUSIVE MODE"))
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1, result.stdout.str()
    assert not outcomes.get("errors", outcomes.get("error")), result.stdout.str()
    assert "still checked out" in result.stdout.str()
    assert "LockNotAvailable" not in result.stdout.str() and "lock timeout" not in result.stdout.str()
