"""`alembic-guard pool` with several engines (issue 13) and under a role that is not a superuser
(issue 17.12), against the real PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import sqlalchemy as sa

from alembic_guard.workflows import pool_audit
from alembic_guard.workflows.pool_audit import PoolConfig, ServerLimits, judge


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alembic_guard", "pool", *args], capture_output=True, text=True, timeout=60)


def write_app(root):
    (root / "app").mkdir()
    (root / "app" / "db.py").write_text(
        "import os\nfrom sqlalchemy import create_engine\n\n"
        "engine = create_engine('postgresql+psycopg2://app@db/shop', pool_size=20, max_overflow=10)\n"
    )
    (root / "app" / "reports.py").write_text(
        "import os\nfrom sqlalchemy import create_engine\n\n"
        "reporting = create_engine(os.environ['REPORT_URL'], pool_size=50, max_overflow=10, pool_recycle=600)\n"
        "analytics = create_engine('mysql+pymysql://bi@warehouse/bi', pool_size=100)  # another server\n"
        "cache = create_engine('sqlite:///cache.db')\n"
    )
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text(
        "from sqlalchemy import create_engine\nengine = create_engine('postgresql://t@localhost/t', pool_size=500)\n"
    )
    return root


def test_every_engine_is_read_and_named(tmp_path):
    root = write_app(tmp_path)
    configs = pool_audit.configs_from_source(pool_audit.python_files(root), root=root)
    assert [(c.name, c.pool_size, c.max_overflow, c.dialect) for c in configs] == [
        ("engine", 20, 10, "postgresql"), ("reporting", 50, 10, None), ("analytics", 100, 10, "mysql"),
    ]  # the test fixture's engine and the SQLite one are not the application's server pools
    assert configs[0].source == "app/db.py:4 create_engine"


def test_pools_are_summed_against_the_server():
    server = ServerLimits("postgresql", "16", 150, 3, 7, None, None)
    pools = [PoolConfig(20, 10, workers=2, name="engine", source="app/db.py:4 create_engine"),
             PoolConfig(50, 10, workers=2, name="reporting", source="app/reports.py:4 create_engine"),
             PoolConfig(100, 10, workers=2, name="analytics", dialect="mysql", source="app/reports.py:5 create_engine")]
    result = judge("postgresql://u@h/db", pools, server)
    assert result.demand == (30 + 60) * 2  # analytics points at MySQL: listed, not counted
    assert result.available == 140 and not result.fits
    assert "the pools of 2 engines can open 180 connections" in result.problems[0]
    assert any("`engine`" in a and "`reporting`" in a for a in result.advice)
    text = result.render()
    assert "demand   60 + 120 = 180 connections at most across 2 engines" in text
    assert "not counted: its URL is mysql" in text
    # one pool alone fits: the old reading (first engine only) said "fits"
    assert judge("postgresql://u@h/db", pools[0], server).fits


def test_cli_sums_every_engine_on_real_postgres(pg_admin_url, tmp_path):
    root = write_app(tmp_path)
    server = pool_audit.read_server(pg_admin_url)
    workers = max(1, (server.max_connections - server.reserved) // 90 + 1)  # together they cannot fit; one alone could
    proc = run("--db-url", pg_admin_url, "--workers", str(workers), "--format", "json", str(root))
    data = json.loads(proc.stdout)
    assert data["demand"] == 90 * workers
    assert [p["name"] for p in data["pools"]] == ["engine", "reporting", "analytics"]
    assert [p["counted"] for p in data["pools"]] == [True, True, False]
    assert proc.returncode == (0 if data["headroom"] >= 0 else 1) == 1
    text = run("--db-url", pg_admin_url, "--workers", str(workers), str(root)).stdout
    assert "`reporting`" in text and "across 2 engines" in text and "DOES NOT FIT" in text
    # a flag overrides that setting of every engine found
    flagged = json.loads(run("--db-url", pg_admin_url, "--pool-size", "1", "--max-overflow", "0", "--format", "json", str(root)).stdout)
    assert [p["pool_size"] for p in flagged["pools"]] == [1, 1, 1] and flagged["demand"] == 2
    assert all(p["source"].endswith("+ flags") for p in flagged["pools"])


def test_role_without_stats_privileges_counts_other_sessions(pg_admin_url, tmp_path):
    role = f"ag_pool_ro_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_admin_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    held = sa.create_engine(pg_admin_url, poolclass=sa.pool.NullPool)
    role_url = sa.engine.make_url(pg_admin_url).set(username=role, password=None).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    connections = [held.connect() for _ in range(3)]  # three sessions of another role (the superuser)
    try:
        for c in connections:
            c.execute(sa.text("SELECT 1"))
        limited = pool_audit.read_server(role_url)
        assert limited.in_use >= 3, limited  # was 0: other roles' rows have a hidden backend_type
        (note,) = limited.notes
        assert role in note and "pg_monitor" in note and "cannot see the details" in note
        proc = run("--db-url", role_url, "--format", "json", str(tmp_path))
        data = json.loads(proc.stdout)
        assert data["server"]["in_use"] >= 3 and data["server"]["notes"], proc.stdout + proc.stderr
        assert "note     role" in run("--db-url", role_url, str(tmp_path)).stdout
        # with pg_monitor the role sees every session's type: an exact count, no note
        with admin.connect() as conn:
            conn.execute(sa.text(f'GRANT pg_monitor TO "{role}"'))
        monitored = pool_audit.read_server(role_url)
        assert monitored.in_use >= 3 and monitored.notes == ()
    finally:
        for c in connections:
            c.close()
        held.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_one_name_bound_in_alternative_branches_is_one_pool(tmp_path):
    (tmp_path / "db.py").write_text(
        "import os\nfrom sqlalchemy import create_engine\n\n"
        "if os.environ.get('PROD'):\n    engine = create_engine(os.environ['URL'], pool_size=30)\n"
        "else:\n    engine = create_engine(os.environ['URL'], pool_size=5)\n"
        "jobs = create_engine(os.environ['URL'], pool_size=10, max_overflow=0)\n"
    )
    configs = pool_audit.configs_from_source(pool_audit.python_files(tmp_path), root=tmp_path)
    assert [(c.name, c.per_worker) for c in configs] == [("engine", 40), ("jobs", 10)]
