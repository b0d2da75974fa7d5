"""Production sizing in the gate, against a real PostgreSQL database holding a 1,000,000-row table.

The database and the SELECT-only role are created here and dropped after the module; the gate
reads them through its read-only connection. A pending revision builds a plain index on the big
table: the gate names the table, its size and the SHARE lock (blocks writes), and the
--block-write-lock-over policy blocks or passes it by the table's rows or size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_guard.cli import main
from alembic_guard.trace.model import LockHeld, RevisionTrace, Trace, TracedStatement

from deploy_support import READONLY_PASSWORD, MariaTarget, PgTarget, make_project
from test_gate import run_gate

ROWS = 1_000_000
REVISIONS = [("rev001", None, None, "create orders"), ("rev002", "rev001", None, "index orders")]
PLAIN_INDEX = 'op.create_index("ix_big_orders_user", "big_orders", ["user_id"])'
CONCURRENT_INDEX = (
    'with op.get_context().autocommit_block():\n'
    '        op.create_index("ix_big_orders_user", "big_orders", ["user_id"], postgresql_concurrently=True)'
)


@pytest.fixture(scope="module")
def big(pg_admin_url):
    """A database at rev001 whose `big_orders` holds 1,000,000 rows (ANALYZEd: reltuples is right)."""
    target = PgTarget(pg_admin_url)
    try:
        with target.db_admin.connect() as c:
            # unlogged and a BRIN index: the same catalogue entries, a fraction of the time to fill
            c.exec_driver_sql("CREATE UNLOGGED TABLE big_orders (id bigint NOT NULL, user_id integer NOT NULL)")
            c.exec_driver_sql(f"INSERT INTO big_orders SELECT g, mod(g, 5000) FROM generate_series(1, {ROWS}) g")
            c.exec_driver_sql("CREATE INDEX big_orders_id_brin ON big_orders USING brin (id)")
            c.exec_driver_sql("ANALYZE big_orders")
        target.set_state(["rev001"])
        yield target
    finally:
        target.drop()


def project_with(tmp_path: Path, upgrade: str, name: str = "proj") -> Path:
    """rev001 (applied) and rev002 (pending), whose upgrade() is `upgrade`."""
    root = make_project(tmp_path / name, REVISIONS)
    rev002 = next((root / "migrations" / "versions").glob("rev002_*.py"))
    text = rev002.read_text()
    body = 'op.add_column("account", sa.Column("c_rev002", sa.Text(), nullable=True))'
    rev002.write_text(text.replace(body, upgrade, 1))
    return root


def index_state(big) -> list:
    with big.db_admin.connect() as c:
        return sorted(r[0] for r in c.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'big_orders'"))


def only_table(data) -> dict:
    (revision,) = data["sizing"]["revisions"]
    assert revision["revision"] == "rev002"
    (table,) = revision["tables"]
    return table


def test_gate_names_the_table_its_size_and_the_share_lock(big, tmp_path, capsys):
    project = project_with(tmp_path, PLAIN_INDEX)
    before = index_state(big)
    code, data, err = run_gate(capsys, project, big.url, "--allow-pending", "--fail-on", "error")
    assert code == 0, err
    table = only_table(data)
    assert (table["table"], table["mode"], table["source"], table["work"]) == ("big_orders", "SHARE", "predicted", "index build")
    assert "writes" in table["blocks"] and "reads" not in table["blocks"]
    size = table["size"]
    assert size["found"] and abs(size["rows"] - ROWS) <= ROWS // 100, size  # ANALYZE's estimate
    assert size["total_bytes"] > 30_000_000 and 0 < size["index_bytes"] < size["total_bytes"]
    assert table["duration"] in ("seconds", "minutes") and "estimate" in table["basis"]
    assert table["line"] == 16

    with pytest.raises(SystemExit):
        main(["gate", str(project), "--db-url", big.url, "--allow-pending", "--fail-on", "error"])
    out, _ = capsys.readouterr()
    assert "big_orders: " in out and " rows, " in out and " MB (indexes " in out
    assert "SHARE (predicted, line 16: create_index ix_big_orders_user): blocks writes (reads go on)" in out
    assert "index build: seconds (~" in out or "index build: minutes (~" in out
    assert READONLY_PASSWORD not in out
    assert index_state(big) == before and big.rows() == ["rev001"]  # nothing built, nothing stamped


@pytest.mark.parametrize("limit, blocked", [("500000", True), ("2M", False), ("10MB", True), ("10GB", False)])
def test_policy_blocks_a_write_lock_on_a_table_over_the_limit(big, tmp_path, capsys, limit, blocked):
    project = project_with(tmp_path, PLAIN_INDEX)
    code, data, err = run_gate(capsys, project, big.url, "--allow-pending", "--fail-on", "error",
                               "--block-write-lock-over", limit)
    assert data["sizing"]["block_write_lock_over"] == limit
    if blocked:
        assert (code, data["outcome"]) == (1, "blocked"), err
        (violation,) = data["sizing"]["violations"]
        assert (violation["revision"], violation["table"], violation["mode"]) == ("rev002", "big_orders", "SHARE")
    else:
        assert (code, data["outcome"], data["sizing"]["violations"]) == (0, "up-to-date", []), err


def test_policy_text_says_why_it_blocks(big, tmp_path, capsys):
    project = project_with(tmp_path, PLAIN_INDEX)
    with pytest.raises(SystemExit) as exc:
        main(["gate", str(project), "--db-url", big.url, "--allow-pending", "--fail-on", "error",
              "--block-write-lock-over", "500000"])
    out, _ = capsys.readouterr()
    assert exc.value.code == 1
    assert "policy --block-write-lock-over 500000: BLOCKS the deploy" in out
    assert "rev002 takes SHARE on big_orders, which blocks writes (reads go on): " in out and " rows > 500,000" in out
    assert "gate: blocked (exit 1): a pending revision takes a write-blocking lock" in out


def test_policy_from_pyproject(big, tmp_path, capsys):
    project = project_with(tmp_path, PLAIN_INDEX)
    (project / "pyproject.toml").write_text('[tool.alembic-guard]\nblock-write-lock-over = 500000\n')
    code, data, err = run_gate(capsys, project, big.url, "--allow-pending", "--fail-on", "error")
    assert (code, data["sizing"]["block_write_lock_over"]) == (1, "500000"), err
    code, data, err = run_gate(capsys, project, big.url, "--allow-pending", "--fail-on", "error",
                               "--block-write-lock-over", "5GB")  # the flag wins
    assert (code, data["sizing"]["block_write_lock_over"]) == (0, "5GB"), err


def test_concurrent_index_does_not_block_writes_so_the_policy_passes(big, tmp_path, capsys):
    project = project_with(tmp_path, CONCURRENT_INDEX)
    code, data, err = run_gate(capsys, project, big.url, "--allow-pending", "--block-write-lock-over", "1000")
    assert code == 0, err
    table = only_table(data)
    assert (table["mode"], table["work"]) == ("SHARE UPDATE EXCLUSIVE", "index build")
    assert table["blocks"] == ["autovacuum and other schema changes"]


def write_report(path: Path, trace: Trace) -> Path:
    path.write_text(json.dumps({"version": 1, "findings": [], "facts": {"roundtrip": {"trace": trace.to_dict()}}}))
    return path


def traced_index(seconds: float, rows: int) -> Trace:
    stmt = TracedStatement(
        "CREATE INDEX ix_big_orders_user ON big_orders (user_id)", line=16, seconds=seconds,
        locks=(LockHeld("big_orders", "SHARE"),
               LockHeld("ix_big_orders_user", "ACCESS EXCLUSIVE", kind="index", existed=False, table="big_orders")))
    return Trace({"rev002": RevisionTrace("rev002", (stmt,), rows={"big_orders": rows}, seconds=seconds)},
                 server_version="15.0")


@pytest.mark.parametrize("seconds, rows, duration", [(0.02, 10_000, "seconds"), (3.0, 1_000, "minutes")])
def test_trace_file_gives_measured_locks_scaled_to_production_rows(big, tmp_path, capsys, seconds, rows, duration):
    project = project_with(tmp_path, PLAIN_INDEX)
    report = write_report(tmp_path / "guard.json", traced_index(seconds, rows))
    code, data, err = run_gate(capsys, project, big.url, "--allow-pending", "--fail-on", "error", "--trace", str(report))
    assert code == 0, err
    table = only_table(data)
    assert (table["source"], table["mode"], table["work"], table["traced_rows"]) == ("measured", "SHARE", "index build", rows)
    expected = seconds * table["size"]["rows"] / rows
    assert table["estimated_seconds"] == pytest.approx(expected, rel=1e-3)
    assert table["duration"] == duration and "measured" in table["basis"]
    assert data["sizing"]["trace_file"] == str(report)


def test_revision_missing_from_the_trace_is_predicted_and_says_so(big, tmp_path, capsys):
    project = project_with(tmp_path, PLAIN_INDEX)
    trace = Trace({"other1": RevisionTrace("other1")})
    report = write_report(tmp_path / "guard.json", trace)
    code, data, err = run_gate(capsys, project, big.url, "--allow-pending", "--fail-on", "error", "--trace", str(report))
    assert code == 0, err
    (revision,) = data["sizing"]["revisions"]
    assert revision["source"] == "predicted" and any("not in the trace" in n for n in revision["notes"])


@pytest.mark.parametrize("content, message", [
    ('{"version": 1, "findings": []}', "holds no lock trace"),
    ("not json", "cannot read a JSON report"),
])
def test_trace_file_without_a_trace_is_exit_2(big, tmp_path, capsys, content, message):
    project = project_with(tmp_path, PLAIN_INDEX)
    report = tmp_path / "guard.json"
    report.write_text(content)
    code, data, err = run_gate(capsys, project, big.url, "--trace", str(report))
    assert (code, data) == (2, None)
    assert message in err and "Traceback" not in err


def test_bad_policy_value_is_exit_2(big, tmp_path, capsys):
    project = project_with(tmp_path, PLAIN_INDEX)
    code, data, err = run_gate(capsys, project, big.url, "--block-write-lock-over", "lots")
    assert (code, data) == (2, None) and "give a number of rows" in err


def test_policy_on_a_database_that_is_not_postgresql_is_exit_2(mariadb_admin_url, tmp_path, capsys):
    target = MariaTarget(mariadb_admin_url)
    try:
        target.set_state(["rev001"])
        project = project_with(tmp_path, PLAIN_INDEX)
        code, data, err = run_gate(capsys, project, target.url, "--block-write-lock-over", "1M")
        assert (code, data) == (2, None) and "PostgreSQL" in err
        code, data, err = run_gate(capsys, project, target.url, "--allow-pending", "--fail-on", "error")
        assert code == 0 and data["sizing"] is None, err  # sizing is PostgreSQL's; the gate still works
    finally:
        target.drop()


def test_tables_not_in_the_database_and_new_tables(big, tmp_path, capsys):
    project = project_with(tmp_path, 'op.create_table("fresh", sa.Column("id", sa.Integer()))\n'
                                     '    op.create_index("ix_fresh", "fresh", ["id"])\n'
                                     '    op.add_column("ghost", sa.Column("c", sa.Text()))')
    with pytest.raises(SystemExit) as exc:
        main(["gate", str(project), "--db-url", big.url, "--allow-pending", "--block-write-lock-over", "1"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, out + err  # nothing sized is over the limit: the policy passes
    assert "ghost: ACCESS EXCLUSIVE (predicted, line 18: add_column); not in this database" in out
    assert "fresh" not in out.split("production sizes", 1)[1]  # created by the revision: nobody waits on it
    assert "policy --block-write-lock-over 1: passes" in out
