"""End to end on real PostgreSQL: a CI round trip writes the lock trace into its JSON report,
`trace --report` prints it, `trace --db-url` measures it now, and the gate joins it (`--trace`)
with a live database's table sizes, read-only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from trace_helpers import make_project, revision_id

from alembic_guard.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from deploy_support import READONLY_PASSWORD, PgTarget  # noqa: E402

CREATE = ('op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True), sa.Column("qty", sa.Integer))',
          'op.drop_table("orders")')
INDEX = ('op.create_index("ix_orders_qty", "orders", ["qty"])', 'op.drop_index("ix_orders_qty", table_name="orders")')
SEEDED = 5_000
PRODUCTION = 300_000


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return exc.value.code, out, err


@pytest.fixture(scope="module")
def traced(tmp_path_factory, pg_admin_url):
    """(project, report): the project's round trip with the trace, `--rows orders=5000`, as CI runs it."""
    root = make_project(tmp_path_factory.mktemp("traced") / "proj", [CREATE, INDEX])
    report = root.parent / "guard.json"
    with pytest.raises(SystemExit) as exc:
        main(["check", str(root), "--select", "AG3", "--db-url", pg_admin_url, "--rows", f"orders={SEEDED}",
              "--format", "json", "-o", str(report)])
    assert exc.value.code == 0
    return root, report


@pytest.mark.postgres
def test_trace_report_from_a_real_round_trip(traced, capsys):
    _, report = traced
    code, out, err = run(capsys, "trace", revision_id(1)[:6], "--report", str(report))
    assert code == 0, err
    assert out.startswith(f"revision {revision_id(1)} (migrations/versions/")
    assert "CREATE INDEX ix_orders_qty ON orders (qty)" in out
    assert "SHARE on orders: blocks writes (reads go on)" in out
    assert "new: ix_orders_qty (index)" in out and "reads orders whole" in out
    assert f"summary: orders: SHARE, blocks writes (reads go on); read whole; {SEEDED:,} rows at trace time" in out


@pytest.mark.postgres
def test_trace_now_runs_the_round_trip_when_asked(traced, pg_admin_url, capsys):
    root, _ = traced
    code, out, err = run(capsys, "trace", "head", str(root), "--db-url", pg_admin_url, "--format", "json")
    assert code == 0, err
    (rev,) = json.loads(out)["revisions"]
    assert rev["revision"] == revision_id(1)
    assert rev["summary"]["tables"]["orders"]["mode"] == "SHARE"


def test_trace_now_refuses_a_database_that_is_not_postgresql(tmp_path, capsys):
    root = make_project(tmp_path / "proj", [CREATE])
    for flags in (["--db-url", "mysql+pymysql://root@127.0.0.1:3306/x"], ["--db", "sqlite"]):
        code, out, err = run(capsys, "trace", "head", str(root), *flags)
        assert (code, out) == (2, "") and "lock traces need PostgreSQL" in err


@pytest.mark.postgres
def test_gate_joins_the_ci_trace_with_production_sizes(traced, pg_admin_url, capsys):
    root, report = traced
    target = PgTarget(pg_admin_url)
    try:
        with target.db_admin.connect() as c:
            c.exec_driver_sql("CREATE UNLOGGED TABLE orders (id integer PRIMARY KEY, qty integer)")
            c.exec_driver_sql(f"INSERT INTO orders SELECT g, g FROM generate_series(1, {PRODUCTION}) g")
            c.exec_driver_sql("ANALYZE orders")
        target.set_state([revision_id(0)])
        code, out, err = run(capsys, "gate", str(root), "--db-url", target.url, "--allow-pending", "--fail-on", "error",
                             "--trace", str(report), "--format", "json", "--block-write-lock-over", "100000")
        assert READONLY_PASSWORD not in out + err
        data = json.loads(out)
        assert (code, data["outcome"]) == (1, "blocked"), err
        (revision,) = data["sizing"]["revisions"]
        (table,) = revision["tables"]
        assert (revision["source"], table["table"], table["mode"], table["work"]) == ("measured", "orders", "SHARE", "index build")
        assert table["traced_rows"] == SEEDED and abs(table["size"]["rows"] - PRODUCTION) <= PRODUCTION // 100
        assert table["estimated_seconds"] == pytest.approx(table["traced_seconds"] * table["size"]["rows"] / SEEDED, rel=0.01)
        assert "measured" in table["basis"]
        assert [v["table"] for v in data["sizing"]["violations"]] == ["orders"]
        assert target.rows() == [revision_id(0)]
    finally:
        target.drop()
