"""Benchmark: alembic-guard's round trip against pytest-alembic on the same 100-revision project,
same PostgreSQL server, same run. Also: command start -> ready embedded sandbox.

    .venv/bin/pip install pytest-alembic        # for the comparison only; not a dependency
                                                # (our pytest config disables its plugin)
    .venv/bin/python benchmarks/bench_roundtrip.py [--admin-url URL] [--runs 5] [--revisions 100]

Cases (whole processes, wall clock, median of --runs, interleaved so machine noise hits both):
  (A) pytest-alembic:  `pytest -q -k test_up_down_consistency` (its database pre-created outside
      the timed region, which favours pytest-alembic)
  (B) alembic-guard:   `alembic-guard check PROJECT --select AG3 --db-url URL` (creates and drops
      its throwaway database inside the timed region; upgrade, downgrade and re-upgrade of every
      revision, the schema snapshotted after each upgrade and downgrade: 300 steps to (A)'s 200)
  (A2)/(B2)            the same with drift at head: pytest-alembic's 4 default tests vs
      `--select AG3 --select AG203`
  (E) `python -c` that opens the embedded sandbox, creates a database and runs a query in it: the
      time from launching the process to that answer ("ready"; first = cold, then cached), and
      the whole process, which also stops the cluster and removes its folder

Goal: (A)/(B) >= 2, embedded sandbox ready <= 0.7 s when cached.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_roundtrip_project as gen  # noqa: E402  (our copy of the measured generator)

TESTS = ["test_single_head_revision", "test_upgrade", "test_model_definitions_match_ddl", "test_up_down_consistency"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--admin-url", default=os.environ.get("ALEMBIC_GUARD_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--revisions", type=int, default=100)
    ap.add_argument("--no-embedded", action="store_true")
    ap.add_argument("--fresh-checkout", action="store_true",
                    help="no bytecode cache for the project (like a CI job on a fresh clone): every run compiles "
                         "the revisions, env.py, conftest; installed packages keep their .pyc (as pip leaves them)")
    args = ap.parse_args()

    import sqlalchemy as sa

    vbin = Path(sys.executable).parent
    if not (vbin / "pytest").exists():
        sys.exit("pytest is not installed in this venv")
    try:
        import pytest_alembic  # noqa: F401
    except ImportError:
        sys.exit("pytest-alembic is not installed: run `.venv/bin/pip install pytest-alembic` (benchmark only)")

    server = args.admin_url.rsplit("/", 1)[0]
    work = Path(tempfile.mkdtemp(prefix="ag-bench-"))
    proj = work / "proj"
    info = gen.generate(str(proj), args.revisions, 7, f"{server}/bench_unused")
    print(f"project: {info}")
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    pt_dbs = [f"rtb_{t}" for t in TESTS]

    def recreate(*names):
        with admin.connect() as c:
            for n in names:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
                c.exec_driver_sql(f'CREATE DATABASE "{n}"')

    cpu: dict[str, list[float]] = {}

    def timed(cmd, env_extra=None, ok=(0,), label=None):
        env = dict(os.environ, **(env_extra or {}))
        env["PATH"] = str(vbin) + os.pathsep + env.get("PATH", "")
        # Default: Python's default, bytecode is cached, so the warm-up run leaves .pyc files (the
        # project's revisions, conftest, ours) as on a developer's machine, for both tools alike.
        # --fresh-checkout: the project is compiled on every run (a CI job on a fresh clone).
        # Never inherit the shell's PYTHONDONTWRITEBYTECODE silently: with an editable install it
        # would also recompile alembic-guard itself (~150 modules) on every run, which a pip
        # install (with its .pyc) never does.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.fresh_checkout:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        t0 = time.perf_counter()
        r0 = os.times()
        p = subprocess.run(cmd, cwd=proj, env=env, capture_output=True, text=True)
        dt = time.perf_counter() - t0
        r1 = os.times()
        if label:
            cpu.setdefault(label, []).append((r1.children_user - r0.children_user) + (r1.children_system - r0.children_system))
        if p.returncode not in ok:
            sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
            sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}")
        return dt

    pt_env = {"ROUNDTRIP_PG_URL": server, "ROUNDTRIP_DB_PREFIX": "rtb", "ROUNDTRIP_PRECREATED": "1"}
    guard = [str(vbin / "alembic-guard"), "check", str(proj), "--db-url", args.admin_url, "--no-progress"]
    cases = {
        "A  pytest-alembic test_up_down_consistency": (lambda: recreate(*pt_dbs),
                                                       lambda: timed(["pytest", "-q", "-p", "no:cacheprovider", "-k", "test_up_down_consistency"], pt_env, label="A")),
        "B  alembic-guard --select AG3": (lambda: None, lambda: timed(guard + ["--select", "AG3"], label="B")),
        "A2 pytest-alembic, 4 default tests": (lambda: recreate(*pt_dbs),
                                               lambda: timed(["pytest", "-q", "-p", "no:cacheprovider"], pt_env)),
        "B2 alembic-guard --select AG3,AG203": (lambda: None, lambda: timed(guard + ["--select", "AG3", "--select", "AG203"])),
    }
    if args.fresh_checkout:  # alembic-guard as pip installs it: with .pyc (an editable install has none)
        import alembic_guard
        import compileall

        compileall.compile_dir(str(Path(alembic_guard.__file__).parent), quiet=1)
    print(f"bytecode cache for the project: {'no (--fresh-checkout)' if args.fresh_checkout else 'yes (Python default)'}")
    # warm-up (page cache, .pyc) — not counted
    for prep, fn in cases.values():
        prep()
        fn()
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.runs):
        for label, (prep, fn) in cases.items():
            prep()
            times[label].append(fn())
    with admin.connect() as c:
        for n in pt_dbs:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
    admin.dispose()

    med = {k: statistics.median(v) for k, v in times.items()}
    print("\n| case | runs (s) | median (s) |\n|---|---|---|")
    for label, ts in times.items():
        print(f"| {label} | {' / '.join(f'{t:.2f}' for t in ts)} | {med[label]:.2f} |")
    a, b = med["A  pytest-alembic test_up_down_consistency"], med["B  alembic-guard --select AG3"]
    a2, b2 = med["A2 pytest-alembic, 4 default tests"], med["B2 alembic-guard --select AG3,AG203"]
    print(f"\nratio up/down/up round trip: pytest-alembic / alembic-guard = {a / b:.2f}x (goal >= 2x)")
    # CPU of the client process only (the PostgreSQL server's work is not in it); warm-up excluded
    ca, cb = statistics.median(cpu["A"][1:]), statistics.median(cpu["B"][1:])
    print(f"client CPU (user+sys), median: pytest-alembic {ca:.2f} s, alembic-guard {cb:.2f} s")
    print(f"ratio with drift at head:    pytest-alembic / alembic-guard = {a2 / b2:.2f}x")

    if not args.no_embedded:
        code = (
            "import time; t=time.perf_counter()\n"
            "from alembic_guard.sandbox.database import open_sandbox\n"
            "with open_sandbox('embedded') as sb:\n"
            "    url = sb.create_database()\n"
            "    import sqlalchemy as sa; e = sa.create_engine(url); c = e.connect(); c.exec_driver_sql('select 1'); c.close(); e.dispose()\n"
            "    print(f'{time.perf_counter()-t:.3f} {time.time():.6f}', flush=True)\n"
        )
        ready, launch_ready, whole = [], [], []
        for _ in range(max(3, args.runs)):
            t0, w0 = time.perf_counter(), time.time()
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            whole.append(time.perf_counter() - t0)
            if p.returncode != 0:
                print("embedded sandbox unavailable:", (p.stderr.strip().splitlines() or ["?"])[-1])
                break
            inproc, at = p.stdout.strip().splitlines()[-1].split()
            ready.append(float(inproc))
            launch_ready.append(float(at) - w0)  # process launch -> a query answered in the new database
        if ready:
            print(f"\nembedded sandbox, process launch -> database ready and answering (first run may be cold): "
                  f"{' / '.join(f'{t:.2f}' for t in launch_ready)} s; median {statistics.median(launch_ready):.2f} s (goal <= 0.7 s cached)")
            print(f"  of which in-process open_sandbox+create_database+connect: median {statistics.median(ready):.2f} s")
            print(f"  whole process, including stopping the cluster and removing its folder: median {statistics.median(whole):.2f} s")


if __name__ == "__main__":
    main()
