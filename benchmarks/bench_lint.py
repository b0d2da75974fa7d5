#!/usr/bin/env python3
"""Benchmark: static operation lint on N revisions against what a user would run instead.

Generates an N-revision history (default 5,000; `gen_history.py`: forks, merges, a labelled second
tree with depends_on), then times whole processes, in ONE run, interleaved:

  graph + lint   alembic-guard check PROJECT --select AG1,AG4 --no-cache   (the issue's target)
  ... warm       the same with the result cache of an earlier run (alembic_guard.core.cache)
  check (AG4)    alembic-guard check PROJECT --select AG4 --no-cache       (load + operation lint)
  check (all)    alembic-guard check PROJECT --no-cache                    (every static rule)
  alembic load   ScriptDirectory.from_config(cfg).get_heads()    (what `alembic heads` does), without
                 and with a warm __pycache__ (Alembic's own cache: compare it with our warm row)
  render + squawk  alembic upgrade heads --sql > all.sql ; squawk --reporter json all.sql

Alembic runs with PYTHONDONTWRITEBYTECODE=1 and no __pycache__, like a fresh CI checkout. squawk
(`pip install squawk-cli`, benchmark-only) is optional: without it the last row is render only.
Prints medians and ratios; the goal is check >= 3x faster than Alembic's loader alone.

    python benchmarks/bench_lint.py [--revisions 5000] [--runs 3]
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_history import generate  # noqa: E402
from measure import measure  # noqa: E402

def timed(cmd: str, env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """(wall s, peak RSS MB, exit code) of a shell command: see measure.py."""
    m = measure(cmd, env, cwd)
    return m.wall, m.rss_mb, m.rc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--revisions", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the generated project")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ag-bench-lint-"))
    try:
        project = work / "project"
        t = time.perf_counter()
        generate(project, n=args.revisions, seed=7)
        print(f"generated {args.revisions} revisions in {time.perf_counter() - t:.1f}s at {project}")

        bindir = Path(sys.executable).parent
        guard = shutil.which("alembic-guard", path=str(bindir)) or "alembic-guard"
        alembic = shutil.which("alembic", path=str(bindir)) or "alembic"
        squawk = shutil.which("squawk", path=str(bindir)) or shutil.which("squawk")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PATH=f"{bindir}:{os.environ.get('PATH', '')}")
        loader = (
            f"{sys.executable} -c 'import sys; from alembic.config import Config; from alembic.script import ScriptDirectory; "
            f"print(ScriptDirectory.from_config(Config(sys.argv[1])).get_heads())' alembic.ini"
        )
        render = f"{alembic} upgrade heads --sql > all.sql"
        cases = {
            "alembic-guard check --select AG1,AG4 (graph + lint)": f"{guard} check . --select AG1,AG4 --format json --no-cache",
            "alembic-guard check --select AG1,AG4, warm cache": f"{guard} check . --select AG1,AG4 --format json",
            "alembic-guard check --select AG4": f"{guard} check . --select AG4 --format json --no-cache",
            "alembic-guard check (all static rules)": f"{guard} check . --format json --no-cache",
            "alembic ScriptDirectory load (no pyc)": loader,
            "alembic ScriptDirectory load (warm pyc)": loader,
            "alembic upgrade heads --sql (render)": render,
        }
        env["ALEMBIC_GUARD_CACHE_DIR"] = str(work / "cache")  # filled by the sanity run below
        warm_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        if squawk:
            cases["render + squawk --reporter json"] = f"{render} && {squawk} --reporter json all.sql"
        else:
            print("squawk not found (pip install squawk-cli): the render + squawk row is skipped")
        for name, cmd in cases.items():  # sanity: every command works on this project
            proc = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=env, cwd=project)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{name} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")

        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():  # interleaved: the same machine state for all
                shutil.rmtree(project / "migrations" / "versions" / "__pycache__", ignore_errors=True)
                if "warm pyc" in name:
                    subprocess.run(cmd, shell=True, capture_output=True, env=warm_env, cwd=project)  # prime, untimed
                dt, rss, _rc = timed(cmd, warm_env if "warm pyc" in name else env, project)
                samples[name].append((dt, rss))

        base = statistics.median(dt for dt, _ in samples["alembic ScriptDirectory load (no pyc)"])
        print(f"\n{args.revisions} revisions, median of {args.runs} whole-process runs (interleaved)\n")
        print("| command | median s | Alembic loader / this | peak RSS MB |")
        print("|---|---|---|---|")
        for name, rows in samples.items():
            med = statistics.median(dt for dt, _ in rows)
            print(f"| {name} | {med:.3f} | {base / med:.2f}x | {max(r for _, r in rows):.0f} |")
        gl = statistics.median(dt for dt, _ in samples["alembic-guard check --select AG1,AG4 (graph + lint)"])
        c4 = statistics.median(dt for dt, _ in samples["alembic-guard check --select AG4"])
        gw = statistics.median(dt for dt, _ in samples["alembic-guard check --select AG1,AG4, warm cache"])
        base_warm = statistics.median(dt for dt, _ in samples["alembic ScriptDirectory load (warm pyc)"])
        call = statistics.median(dt for dt, _ in samples["alembic-guard check (all static rules)"])
        print(f"\ntarget: static check (graph + lint) >= 3x faster than Alembic's loader alone -> "
              f"cold {base / gl:.1f}x {'OK' if base / gl >= 3 else 'MISSED'}; warm cache vs Alembic's warm pyc "
              f"{base_warm / gw:.1f}x {'OK' if base_warm / gw >= 3 else 'MISSED'} "
              f"(AG4 only {base / c4:.1f}x, every static rule {base / call:.1f}x, cold)")
        if squawk:
            sq = statistics.median(dt for dt, _ in samples["render + squawk --reporter json"])
            print(f"render + squawk takes {sq / call:.1f}x as long as alembic-guard check")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
