"""Benchmark: what the connection guard adds to one connection (issue 11.1: "a few ms at most").

    .venv/bin/python benchmarks/bench_connection_guard.py [--url URL] [--n 200]

Opens and closes N connections to the same PostgreSQL database through SQLAlchemy (NullPool, so
every connect is a real one) and N raw psycopg2 connections, without and with an active
ConnectionGuard allowing that database, interleaved in rounds; prints the median per connection.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg2
import sqlalchemy as sa

from alembic_guard.sandbox.connection_guard import ConnectionGuard


def timed(fn, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    engine = sa.create_engine(args.url, poolclass=sa.pool.NullPool)
    u = engine.url

    def via_sqlalchemy():
        engine.connect().close()

    def raw():
        psycopg2.connect(host=u.host, port=u.port, user=u.username, dbname=u.database).close()

    guard = ConnectionGuard()
    guard.allow(args.url)
    results = {("sqlalchemy", False): [], ("sqlalchemy", True): [], ("raw psycopg2", False): [], ("raw psycopg2", True): []}
    for _ in range(5):
        for (kind, guarded), samples in results.items():
            fn = via_sqlalchemy if kind == "sqlalchemy" else raw
            if guarded:
                with guard:
                    samples.append(timed(fn, args.n // 5))
            else:
                samples.append(timed(fn, args.n // 5))
    print("| connect | without guard | with guard | added |")
    print("|---|---|---|---|")
    for kind in ("sqlalchemy", "raw psycopg2"):
        off = statistics.median(results[(kind, False)]) * 1000
        on = statistics.median(results[(kind, True)]) * 1000
        print(f"| {kind} | {off:.3f} ms | {on:.3f} ms | {on - off:+.3f} ms |")
    # the check itself, without the connection
    from alembic_guard.sandbox.connection_guard import Target, server_key, check

    target = Target("postgresql", server_key(u.host, u.port, 5432), u.database)
    with guard:
        per = timed(lambda: check(target), 100000)
    print(f"the check alone: {per * 1e6:.2f} µs")


if __name__ == "__main__":
    main()
