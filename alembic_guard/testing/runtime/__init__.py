"""Runtime kit for tests: N+1 detector, lazy-load guard, pool watcher — built on SQLAlchemy events.

Unlike the static audit (AG5xx), these run inside the application's own test suite and see what
really happens:

>>> from alembic_guard.testing.runtime import detect_n_plus_one, no_lazy_loads, watch_pools
>>> with detect_n_plus_one(threshold=3) as report:          # doctest: +SKIP
...     render_user_list(session)
>>> report.assert_clean()                                     # doctest: +SKIP

- `detect_n_plus_one(threshold=2)`: records every SQL statement (`before_cursor_execute`) and
  every ORM lazy load (`do_orm_execute` with `lazy_loaded_from`), groups lazy loads by
  relationship and normalised SQL, and reports each group that ran `threshold` times or more
  with the relationship (`User.orders`) and the first call site in user code (file:line).
- `no_lazy_loads()`: inside the block every lazy load that would emit SQL raises
  `LazyLoadError` naming the relationship and call site — `lazy="raise"` on every relationship,
  without editing the models.
- `watch_pools()`: counts connection checkouts and checkins of every pool; reports connections
  still checked out at the end (leaked sessions/connections, with where they were checked out)
  and the peak number checked out against the pool's capacity (`pool_size + max_overflow`).

All three listen at class level (`Session`, `Engine`, `Pool`), so they see engines and sessions
created anywhere, and remove their listeners on exit. pytest fixtures are in
`alembic_guard.testing.runtime.fixtures` (loaded automatically by the pytest plugin).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

_SKIP_PARTS = (
    os.sep + "sqlalchemy" + os.sep,
    os.sep + "alembic_guard" + os.sep + "runtime" + os.sep,
    os.sep + "_pytest" + os.sep,
    os.sep + "pluggy" + os.sep,
    os.sep + "greenlet" + os.sep,
    os.sep + "asyncio" + os.sep,
    os.sep + "contextlib.py",
    os.sep + "threading.py",
    os.sep + "concurrent" + os.sep,
    "<frozen ",
    "<sqlalchemy generated",
    "<string>",
)


def call_site(skip: int = 1) -> str:
    """file:line of the innermost frame in user code (not SQLAlchemy, not this kit, not pytest)."""
    frame = sys._getframe(skip)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not any(part in filename for part in _SKIP_PARTS):
            return f"{_short(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


def _short(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return rel if not rel.startswith("..") else filename


_NUM = re.compile(r"\b\d+(\.\d+)?\b")
_STR = re.compile(r"'(?:[^']|'')*'")
_IN = re.compile(r"\bIN\s*\((?:[^()]*)\)", re.I)
_PARAM = re.compile(r"(%\(\w+\)s|\?|:\w+|\$\d+|%s)")
_WS = re.compile(r"\s+")
_POSTCOMPILE = re.compile(r"\(__\[POSTCOMPILE_\w+\]\)")


def normalise_sql(sql: str) -> str:
    """Same statement, different values -> same text: literals, parameters, IN lists collapsed."""
    text = _POSTCOMPILE.sub("(?)", sql)
    text = _STR.sub("?", text)
    text = _IN.sub("IN (?)", text)
    text = _PARAM.sub("?", text)
    text = _NUM.sub("?", text)
    return _WS.sub(" ", text).strip()


def _relationship_name(orm_state) -> str:
    path = orm_state.loader_strategy_path
    prop = None
    try:
        prop = path[-1] if path is not None and len(path) else None
    except (TypeError, IndexError, KeyError):
        prop = None
    if prop is not None and hasattr(prop, "parent") and hasattr(prop, "key"):
        return f"{prop.parent.class_.__name__}.{prop.key}"
    loaded = orm_state.lazy_loaded_from
    if loaded is not None:
        return f"{loaded.class_.__name__}.?"
    return "?"


# ---------------------------------------------------------------------------------- N+1
@dataclass
class LazyLoadGroup:
    relationship: str
    sql: str
    count: int = 0
    call_sites: dict[str, int] = field(default_factory=dict)

    @property
    def call_site(self) -> str:
        return max(self.call_sites.items(), key=lambda kv: kv[1])[0] if self.call_sites else "<unknown>"

    def describe(self) -> str:
        sites = ", ".join(f"{s} ({n}x)" for s, n in sorted(self.call_sites.items(), key=lambda kv: -kv[1])[:3])
        return (
            f"N+1: lazy load of `{self.relationship}` ran {self.count} times at {sites}\n"
            f"    SQL: {self.sql[:200]}\n"
            f"    fix: eager-load it in the query, e.g. .options(selectinload({self.relationship}))"
        )


class NPlusOneError(AssertionError):
    """A relationship was lazy-loaded N or more times (raised by `NPlusOneReport.assert_clean`)."""


@dataclass
class NPlusOneReport:
    threshold: int
    statements: dict[str, int] = field(default_factory=dict)  # normalised SQL -> times run
    groups: dict[tuple[str, str], LazyLoadGroup] = field(default_factory=dict)
    total_statements: int = 0

    @property
    def problems(self) -> list[LazyLoadGroup]:
        return sorted((g for g in self.groups.values() if g.count >= self.threshold), key=lambda g: -g.count)

    def assert_clean(self) -> None:
        problems = self.problems
        if problems:
            raise NPlusOneError("\n".join(g.describe() for g in problems))

    def summary(self) -> str:
        if not self.problems:
            return f"no N+1 lazy loads ({self.total_statements} statements)"
        return "\n".join(g.describe() for g in self.problems)


@contextmanager
def detect_n_plus_one(threshold: int = 2) -> Iterator[NPlusOneReport]:
    """Record lazy loads inside the block; `report.problems` lists those repeated `threshold`+ times."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    report = NPlusOneReport(threshold)
    local = threading.local()

    def on_orm_execute(orm_state) -> None:
        if orm_state.lazy_loaded_from is not None:
            local.pending = (_relationship_name(orm_state), call_site(2))

    def on_cursor(conn, cursor, statement, parameters, context, executemany) -> None:
        sql = normalise_sql(statement)
        report.total_statements += 1
        report.statements[sql] = report.statements.get(sql, 0) + 1
        pending = getattr(local, "pending", None)
        if pending is None:
            return
        local.pending = None
        rel, site = pending
        group = report.groups.setdefault((rel, sql), LazyLoadGroup(rel, sql))
        group.count += 1
        group.call_sites[site] = group.call_sites.get(site, 0) + 1

    event.listen(Session, "do_orm_execute", on_orm_execute)
    event.listen(Engine, "before_cursor_execute", on_cursor)
    try:
        yield report
    finally:
        event.remove(Session, "do_orm_execute", on_orm_execute)
        event.remove(Engine, "before_cursor_execute", on_cursor)


# ---------------------------------------------------------------------------------- lazy-load guard
class LazyLoadError(InvalidRequestError):
    """A lazy load happened inside `no_lazy_loads()`."""


@contextmanager
def no_lazy_loads() -> Iterator[list[str]]:
    """Every lazy load that would emit SQL inside the block raises `LazyLoadError`.

    Yields the list of blocked loads (relationship @ call site), also useful after catching.
    """
    blocked: list[str] = []

    def on_orm_execute(orm_state) -> None:
        if orm_state.lazy_loaded_from is not None:
            rel = _relationship_name(orm_state)
            site = call_site(2)
            blocked.append(f"{rel} @ {site}")
            raise LazyLoadError(
                f"lazy load of `{rel}` at {site} inside no_lazy_loads(): eager-load it "
                f"(.options(selectinload({rel}))) or read it before this block"
            )

    event.listen(Session, "do_orm_execute", on_orm_execute)
    try:
        yield blocked
    finally:
        event.remove(Session, "do_orm_execute", on_orm_execute)


# ---------------------------------------------------------------------------------- pool watcher
@dataclass
class PoolStats:
    pool: str
    capacity: int | None  # pool_size + max_overflow (None: unbounded / not a queue pool)
    peak: int = 0
    checked_out: dict[int, str] = field(default_factory=dict)  # id(connection record) -> call site
    records: dict[int, object] = field(default_factory=dict, repr=False)  # id -> the checked-out record

    @property
    def open(self) -> int:
        return len(self.checked_out)

    def describe(self) -> str:
        cap = f"/{self.capacity}" if self.capacity is not None else ""
        text = f"{self.pool}: peak {self.peak}{cap} connections checked out"
        if self.checked_out:
            sites = sorted(self.checked_out.values())
            text += f"; {len(sites)} still checked out (leaked), taken at: " + ", ".join(sites)
        return text


class PoolLeakError(AssertionError):
    """Connections were still checked out when the watched block ended."""


@dataclass
class PoolReport:
    pools: dict[int, PoolStats] = field(default_factory=dict)

    @property
    def leaks(self) -> list[PoolStats]:
        return [p for p in self.pools.values() if p.checked_out]

    @property
    def saturated(self) -> list[PoolStats]:
        return [p for p in self.pools.values() if p.capacity is not None and p.peak >= p.capacity]

    def assert_no_leaks(self) -> None:
        if self.leaks:
            raise PoolLeakError("\n".join(p.describe() for p in self.leaks)
                                + "\n    fix: close sessions and connections with `with` / `async with` (or try/finally)")

    def summary(self) -> str:
        return "\n".join(p.describe() for p in self.pools.values()) or "no pool activity"

    def close_leaked(self) -> int:
        """Close the DBAPI connections still checked out (after reporting them): their open transactions
        and locks are released, so the suite's own teardown (drop_all, DROP DATABASE) cannot hang on them.
        The leaked sessions see an invalidated connection if they are used again. Returns how many."""
        closed = 0
        for stats in self.pools.values():
            for key in list(stats.records):
                record = stats.records.pop(key)
                try:
                    record.invalidate(soft=False)
                    closed += 1
                except Exception:  # noqa: BLE001 - closing a leaked connection is best effort
                    pass
        return closed


def _capacity(pool: Pool) -> int | None:
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", None)
    if callable(size) and isinstance(overflow, int):
        if overflow < 0:
            return None
        return size() + overflow
    return None


def _pool_label(pool: Pool) -> str:
    return f"{type(pool).__name__}@{id(pool):x}"


@contextmanager
def watch_pools() -> Iterator[PoolReport]:
    """Track checkouts of every pool inside the block (peak vs capacity, still-open at the end)."""
    report = PoolReport()
    lock = threading.Lock()

    def stats(pool: Pool) -> PoolStats:
        key = id(pool)
        if key not in report.pools:
            report.pools[key] = PoolStats(_pool_label(pool), _capacity(pool))
        return report.pools[key]

    def on_checkout(dbapi_conn, record, proxy) -> None:
        pool = getattr(proxy, "_pool", None)
        if pool is None:
            return
        with lock:
            s = stats(pool)
            s.checked_out[id(record)] = call_site(2)
            s.records[id(record)] = record
            s.peak = max(s.peak, len(s.checked_out))

    def on_checkin(dbapi_conn, record) -> None:
        with lock:
            for s in report.pools.values():
                if s.checked_out.pop(id(record), None) is not None:
                    s.records.pop(id(record), None)
                    break

    event.listen(Pool, "checkout", on_checkout)
    event.listen(Pool, "checkin", on_checkin)
    try:
        yield report
    finally:
        event.remove(Pool, "checkout", on_checkout)
        event.remove(Pool, "checkin", on_checkin)


__all__ = [
    "LazyLoadError",
    "LazyLoadGroup",
    "NPlusOneError",
    "NPlusOneReport",
    "PoolLeakError",
    "PoolReport",
    "PoolStats",
    "call_site",
    "detect_n_plus_one",
    "no_lazy_loads",
    "normalise_sql",
    "watch_pools",
]
