#!/usr/bin/env python3
"""Benchmark: the pre-deploy gate and the pull-request guard against what a user would run instead.

Generates an N-revision history (default 500, linear with a merged fork every 50 revisions) in a
temporary git repository, creates a throwaway PostgreSQL database whose version table is a few
revisions behind (always dropped), then times whole processes, interleaved, in ONE run:

  gate       alembic-guard gate PROJECT --db-url URL --allow-pending   (read-only, static graph)
  alembic    alembic current && alembic heads                         (imports env.py and every revision)
  pr-guard   alembic-guard check PROJECT --base-ref main --select AG109 (base branch read from git)
  pr-alt     git worktree add BASE main && alembic heads (in BASE) && alembic heads (here)

The issue sets no performance target for these commands; the point is that the gate is cheap
enough to run before every deploy. Prints medians and ratios.

    python benchmarks/bench_deploy.py [--revisions 500] [--runs 5] [--pg-url postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ENV_PY = '''\
import os
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
if context.is_offline_mode():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with create_engine(url, poolclass=pool.NullPool).connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
'''

REVISION = '''\
"""{message}

Revision ID: {rid}
Revises: {revises}
"""
from alembic import op
import sqlalchemy as sa

revision = {rid!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("account", sa.Column("c_{rid}", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("account", "c_{rid}")
'''


def generate(root: Path, n: int) -> list[str]:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://x@127.0.0.1/x\n")
    (root / "migrations" / "env.py").write_text(ENV_PY)
    shutil.copy(Path(__file__).resolve().parents[1] / "sample_projects" / "healthy" / "migrations" / "script.py.mako", root / "migrations")
    ids, prev, i = [], None, 0
    while len(ids) < n:
        i += 1
        rid = f"r{i:05d}"
        down = prev
        if i % 50 == 0 and len(ids) >= 2:  # a fork of two revisions, then a merge
            a, b, m = f"r{i:05d}a", f"r{i:05d}b", f"r{i:05d}m"
            for x in (a, b):
                (versions / f"{x}_fork.py").write_text(REVISION.format(rid=x, down=prev, revises=prev, message="fork"))
            (versions / f"{m}_merge.py").write_text(REVISION.format(rid=m, down=(a, b), revises=f"{a}, {b}", message="merge"))
            ids += [a, b, m]
            prev = m
            continue
        (versions / f"{rid}_step.py").write_text(REVISION.format(rid=rid, down=down, revises=down or "", message=f"step {i}"))
        ids.append(rid)
        prev = rid
    return ids


def timed(cmd: list[str] | str, cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, shell=isinstance(cmd, str))
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"failed ({proc.returncode}): {cmd}\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--revisions", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pg-url", default=os.environ.get("ALEMBIC_GUARD_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"))
    args = ap.parse_args()

    import sqlalchemy as sa

    bindir = Path(sys.executable).parent
    guard, alembic = str(bindir / "alembic-guard"), str(bindir / "alembic")
    tmp = Path(tempfile.mkdtemp(prefix="bench_deploy_"))
    admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    dbname = "ag_bench_" + uuid.uuid4().hex[:8]
    try:
        project = tmp / "repo"
        ids = generate(project, args.revisions)
        git = ["git", "-c", "user.name=b", "-c", "user.email=b@example.com"]
        subprocess.run([*git, "init", "-q", "-b", "main"], cwd=project, check=True)
        subprocess.run([*git, "add", "-A"], cwd=project, check=True)
        subprocess.run([*git, "commit", "-qm", "history"], cwd=project, check=True)
        subprocess.run([*git, "checkout", "-qb", "feature"], cwd=project, check=True)
        last = ids[-1]
        (project / "migrations" / "versions" / "zfeat_feature.py").write_text(REVISION.format(rid="zfeat", down=last, revises=last, message="feature"))

        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{dbname}"')
        url = sa.engine.make_url(args.pg_url).set(database=dbname).render_as_string(hide_password=False)
        db = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with db.begin() as c:
            c.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            c.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{ids[-4]}')")
        db.dispose()

        env = {**os.environ, "DATABASE_URL": url, "PYTHONDONTWRITEBYTECODE": "1"}
        base = tmp / "base"
        cases = {
            "gate": [guard, "gate", str(project), "--db-url", url, "--allow-pending"],
            "alembic current+heads": f"{alembic} current && {alembic} heads",
            "pr-guard (AG109)": [guard, "check", str(project), "--base-ref", "main", "--select", "AG109"],
            "worktree + alembic heads x2": (
                f"rm -rf {base} && git worktree prune && git worktree add -q {base} main && "
                f"(cd {base} && {alembic} heads) && {alembic} heads"
            ),
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                times[name].append(timed(cmd, project, env))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{args.revisions} revisions, {args.runs} runs each (median seconds, whole processes)")
        for name, value in med.items():
            print(f"  {name:30s} {value:7.3f}")
        print(f"gate vs alembic current+heads:       {med['alembic current+heads'] / med['gate']:.1f}x faster")
        print(f"pr-guard vs worktree + heads twice:  {med['worktree + alembic heads x2'] / med['pr-guard (AG109)']:.1f}x faster")
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
