"""Ctrl-C during round trips (issue 17.5): SIGINTs at random moments, as a terminal sends them.

    .venv/bin/python benchmarks/sigint_roundtrip.py [--count 100] [--server pg|mariadb|both]
                     [--pg-url URL] [--mariadb-url URL] [--revisions 40] [--seed N]

Each run starts `alembic-guard check PROJECT --select AG3 --db-url URL` in its own process group
and, after a random delay (from the first instant to past the end of a typical run), sends
SIGINT to the whole group (what Ctrl-C in a terminal does: the parent and the child running the
migrations both get it). Every run must:

- exit with 130 within 10 s of the signal (a run that finished before the signal exits as a
  normal run: 0, or 1 for the generated project's own MariaDB findings);
- leave no database behind: every database the run created (from its debug log; on PostgreSQL
  also every database whose comment names its pid) is gone from the server;
- leave nothing on disk: its private TMPDIR is empty and the result cache holds no *.tmp.

Prints one line per failure and a summary (runs, interrupted, finished first, exit codes, the
slowest exit after the signal). Exit status 1 if any run failed. The test suite runs the same
loop with a small count (tests/sandbox/test_interrupts.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/mysql"
EXIT_BOUND = 10.0  # seconds from the signal to the end of the run
DRIVER = (  # the CLI with alembic-guard's own debug log on stderr (names the databases it creates),
    # and SIGINT handled even when the caller ignores it (a test runner started in the background)
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler);"
    "import logging, sys; logging.basicConfig(stream=sys.stderr, format='AGLOG %(message)s');"
    "logging.getLogger('alembic_guard.sandbox.database').setLevel(logging.DEBUG);"
    # when the cleanup has ended (CLOCK_MONOTONIC, shared by every process): registered first, this
    # atexit handler runs last, just before the CLI's os._exit; a signal sent later than this finds
    # a process that is already gone (a run that finished first); one sent before must give 130
    "import atexit, time; atexit.register(lambda: sys.stderr.write(f'AGEND {time.monotonic():.6f}\\n'));"
    "from alembic_guard.cli import main; sys.argv[0] = 'alembic-guard'; main()"
)
_ENDED = re.compile(r"^AGEND (\d+\.\d+)$", re.MULTILINE)
_CREATED = re.compile(r"AGLOG alembic-guard: (?:created|took over) database \S*/(ag_rt_[0-9a-z_]+)")


def make_project(folder: Path, revisions: int) -> Path:
    import gen_roundtrip_project as gen

    gen.generate(str(folder), revisions, 7, PG_URL)
    return folder


def leftovers(admin_url: str, names: set[str], pid: int) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if admin_url.startswith("postgresql"):
                rows = conn.exec_driver_sql(
                    "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database").all()
                return {n for n, comment in rows if n in names or (n.startswith("ag_rt_") and f"(pid {pid})" in comment)}
            alive = {r[0] for r in conn.exec_driver_sql("SHOW DATABASES").all()}
            return names & alive
    finally:
        engine.dispose()


def one_run(project: Path, admin_url: str, delay: float, python: str = sys.executable) -> dict:
    """One check, SIGINT to its process group after `delay` seconds; what happened."""
    with tempfile.TemporaryDirectory(prefix="ag-sigint-") as scratch:
        tmp = Path(scratch, "tmp")
        cache = Path(scratch, "cache")
        tmp.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALEMBIC_GUARD", "PG"))}
        env.update(TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache), PYTHONUNBUFFERED="1")
        started = time.monotonic()
        proc = subprocess.Popen(
            [python, "-c", DRIVER, "check", str(project), "--select", "AG3", "--db-url", admin_url, "--no-progress"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True, cwd=scratch,
        )
        signalled = None
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            signalled = time.monotonic()  # before the kill: an AGEND earlier than this preceded the signal
            os.killpg(proc.pid, signal.SIGINT)
        hung = False
        try:
            out, err = proc.communicate(timeout=EXIT_BOUND + 5)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        ended = time.monotonic()
        text = (out + err).decode(errors="replace")
        code_ended = _ENDED.search(text)
        if signalled is not None and code_ended and proc.returncode in (0, 1) and float(code_ended.group(1)) < signalled:
            signalled = None  # the run had finished (report written, our code done) before the signal
        names = set(_CREATED.findall(text))
        left = leftovers(admin_url, names, proc.pid)
        on_disk = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))
        on_disk += sorted(str(p) for p in cache.rglob("*.tmp")) if cache.exists() else []
        return {
            "delay": round(delay, 3),
            "signalled": signalled is not None,
            "rc": proc.returncode,
            "hung": hung,
            "exit_after_signal": round(ended - signalled, 3) if signalled else None,
            "total": round(ended - started, 3),
            "databases_created": sorted(names),
            "left_on_server": sorted(left),
            "left_on_disk": on_disk,
            "output": text[-2000:],
        }


def problems(run: dict) -> list[str]:
    out = []
    if run["hung"]:
        out.append("hung (no exit within the bound; SIGKILLed)")
    if run["signalled"]:
        # -SIGINT: the signal came while the interpreter was still starting, before any of our code
        # ran (Python then ends by SIGINT, which a shell reports as 130 too)
        if run["rc"] not in (130, -signal.SIGINT):
            out.append(f"exit {run['rc']} after SIGINT, not 130")
        if run["exit_after_signal"] is not None and run["exit_after_signal"] > EXIT_BOUND:
            out.append(f"took {run['exit_after_signal']} s after the signal")
        if re.search(r"\bAG\d{3} \[(?:error|warning|info)\]", run["output"]):
            out.append("an interrupt became a finding")
    elif run["rc"] not in (0, 1):
        out.append(f"finished before the signal with exit {run['rc']}")
    if run["left_on_server"]:
        out.append(f"left databases {run['left_on_server']}")
    if run["left_on_disk"]:
        out.append(f"left files {run['left_on_disk'][:5]}")
    return out


def loop(project: Path, admin_url: str, count: int, rng: random.Random, max_delay: float,
         min_delay: float = 0.05) -> tuple[list[dict], list[str]]:
    runs, failures = [], []
    for i in range(count):
        run = one_run(project, admin_url, rng.uniform(min_delay, max(max_delay, min_delay + 0.1)))
        runs.append(run)
        for problem in problems(run):
            failures.append(f"run {i} (signal after {run['delay']} s): {problem}\n{run['output'][-600:]}")
    return runs, failures


def summary(name: str, runs: list[dict]) -> str:
    hit = [r for r in runs if r["signalled"]]
    slowest = max((r["exit_after_signal"] for r in hit if r["exit_after_signal"] is not None), default=0.0)
    codes = Counter(r["rc"] for r in runs)
    return (f"{name}: {len(runs)} runs, {len(hit)} interrupted, {len(runs) - len(hit)} finished first; "
            f"exit codes {dict(sorted(codes.items()))}; slowest exit after SIGINT {slowest:.2f} s; "
            f"databases created {sum(len(r['databases_created']) for r in runs)}, left "
            f"{sum(len(r['left_on_server']) for r in runs)}; files left {sum(len(r['left_on_disk']) for r in runs)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=100, help="SIGINT runs per server")
    ap.add_argument("--server", choices=("pg", "mariadb", "both"), default="both")
    ap.add_argument("--pg-url", default=PG_URL)
    ap.add_argument("--mariadb-url", default=MARIADB_URL)
    ap.add_argument("--revisions", type=int, default=40)
    ap.add_argument("--max-delay", type=float, default=None, help="latest signal, seconds (default: 1.2 x a clean run)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json", type=Path, default=None, help="write every run's record here")
    args = ap.parse_args()
    # started in the background by a shell without job control, SIGINT is ignored, and ignored
    # signals stay ignored in the children: give them the usual disposition back
    signal.signal(signal.SIGINT, signal.default_int_handler)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}")
    servers = {"pg": [("PostgreSQL", args.pg_url)], "mariadb": [("MariaDB", args.mariadb_url)],
               "both": [("PostgreSQL", args.pg_url), ("MariaDB", args.mariadb_url)]}[args.server]
    failed = False
    records = {}
    with tempfile.TemporaryDirectory(prefix="ag-sigint-project-") as folder:
        project = make_project(Path(folder, "project"), args.revisions)
        for name, url in servers:
            clean = one_run(project, url, 600.0)
            if clean["rc"] not in (0, 1) or not clean["databases_created"]:
                sys.exit(f"{name}: the project's clean run failed (exit {clean['rc']}):\n{clean['output']}")
            max_delay = args.max_delay or clean["total"] * 1.2
            print(f"{name}: clean run {clean['total']:.2f} s; signals at random in 0.05-{max_delay:.2f} s")
            runs, failures = loop(project, url, args.count, rng, max_delay)
            records[name] = runs
            for failure in failures:
                print("FAIL", name, failure)
            failed = failed or bool(failures)
            print(summary(name, runs))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
