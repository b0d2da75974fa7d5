"""`alembic-guard pool`: real PostgreSQL and MariaDB servers, read-only; passwords masked."""

from __future__ import annotations

import json
import subprocess
import sys

import sqlalchemy as sa

from alembic_guard.workflows import pool_audit
from alembic_guard.workflows.pool_audit import PoolConfig, ServerLimits, judge


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alembic_guard", "pool", *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def _with_password(url: str, pw: str = "s3cr3t-pw") -> str:
    return sa.engine.make_url(url).set(password=pw).render_as_string(hide_password=False)


def test_postgres_read_limits(pg_admin_url):
    server = pool_audit.read_server(pg_admin_url)
    assert server.dialect == "postgresql"
    assert server.max_connections >= 10
    assert server.reserved >= 0 and server.in_use >= 0


def test_postgres_too_many_workers_exit_1(pg_admin_url, tmp_path):
    proc = run("--db-url", pg_admin_url, "--workers", "500", "--format", "json", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["config"]["demand"] == 500 * 15
    assert data["fits"] is False and data["headroom"] < 0
    assert any("max_connections" in a for a in data["advice"])
    assert data["server"]["max_connections"] - data["server"]["reserved"] == data["capacity"]


def test_postgres_one_worker_fits(pg_admin_url, tmp_path):
    proc = run("--db-url", pg_admin_url, "--pool-size", "2", "--max-overflow", "1", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pool_size=2 + max_overflow=1 x workers=1 = 3" in proc.stdout
    assert proc.stdout.strip().endswith("fits")


def test_static_config_from_app(pg_admin_url, tmp_path):
    (tmp_path / "db.py").write_text(
        "from sqlalchemy import create_engine\n"
        "engine = create_engine('postgresql+psycopg2://app@db/shop', pool_size=40, max_overflow=20, pool_recycle=1800)\n"
    )
    proc = run("--db-url", pg_admin_url, "--workers", "4", "--format", "json", str(tmp_path))
    data = json.loads(proc.stdout)
    assert data["config"]["pool_size"] == 40 and data["config"]["max_overflow"] == 20
    assert data["config"]["pool_recycle"] == 1800
    assert data["config"]["source"] == "db.py:2 create_engine"
    assert data["config"]["demand"] == 240
    assert proc.returncode == (0 if data["headroom"] >= 0 else 1)


def test_mariadb_recycle_against_wait_timeout(mariadb_admin_url, tmp_path):
    proc = run("--db-url", mariadb_admin_url, "--pool-recycle", "999999", "--format", "json", str(tmp_path))
    data = json.loads(proc.stdout)
    assert data["server"]["idle_timeout_setting"] == "wait_timeout"
    wait = data["server"]["idle_timeout"]
    assert wait > 0
    assert proc.returncode == 1
    assert any("pool_recycle" in p and str(wait) in p for p in data["problems"])
    ok = run("--db-url", mariadb_admin_url, "--pool-recycle", str(max(wait - 60, 1)), str(tmp_path))
    assert ok.returncode == 0, ok.stdout
    unset = run("--db-url", mariadb_admin_url, str(tmp_path))
    assert unset.returncode == 1 and "pool_recycle is unset" in unset.stdout


def test_password_is_masked(mariadb_admin_url, tmp_path):
    url = _with_password(mariadb_admin_url)
    proc = run("--db-url", url, str(tmp_path))
    assert proc.returncode == 2
    assert "s3cr3t-pw" not in proc.stdout + proc.stderr
    assert "***" in proc.stderr and "Traceback" not in proc.stderr


def test_unreachable_server_is_exit_2(tmp_path):
    proc = run("--db-url", "mysql+pymysql://root:hunter2@127.0.0.1:1/x", str(tmp_path))
    assert proc.returncode == 2
    assert "hunter2" not in proc.stderr and "cannot read connection limits" in proc.stderr


def test_judge_advice_and_nullpool():
    server = ServerLimits("postgresql", "15", 100, 3, 7, None, None)
    result = judge("postgresql://u:pw@h/db", PoolConfig(pool_size=10, max_overflow=10, workers=8), server)
    assert result.available == 90 and result.config.demand == 160 and result.headroom == -70
    assert not result.fits
    assert result.url == "postgresql://u:***@h/db"
    assert "pool_size=10, max_overflow=1 per worker (8 workers) fits 88 connections" in result.advice[0]
    nullpool = judge("postgresql://h/db", PoolConfig(workers=50, nullpool=True), server)
    assert nullpool.config.demand == 50 and nullpool.fits
    mysql = ServerLimits("mysql", "8.0", 151, 0, 0, 600, "wait_timeout")
    stale = judge("mysql://h/db", PoolConfig(pool_recycle=3600), mysql)
    assert not stale.fits and "pool_recycle=480 and pool_pre_ping=True" in stale.advice
    assert "DOES NOT FIT" in stale.render()
