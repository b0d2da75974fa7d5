#!/usr/bin/env python3
"""Benchmark: static `alembic-guard graph` / `check` against Alembic's own ScriptDirectory loader.

Generates an N-revision history (default 5,000: forks, merges, a second labelled tree with
depends_on, mixed header styles; see gen_history.py), then times, in ONE run and interleaved,
whole processes:

  graph   alembic-guard graph PROJECT --format json
  check   alembic-guard check PROJECT            (every static rule)
  alembic python -c "ScriptDirectory.from_config(cfg).get_heads()"   (what `alembic heads` does)

Alembic runs with PYTHONDONTWRITEBYTECODE=1, like a fresh CI checkout (each revision file is
compiled on every run); a second Alembic row with warm __pycache__ is printed for fairness.
Prints medians, ratios and peak RSS. Targets (issue 2): graph >= 10x faster, check >= 3x, peak
memory <= 150 MB.

    python benchmarks/bench_graph.py [--revisions 5000] [--runs 5]
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

MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "dt = time.perf_counter() - t\n"
    "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)\n"
)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env, check=True)
    dt, rss_kb, rc = out.stdout.split()
    return float(dt), int(rss_kb) / 1024, int(rc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--revisions", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the generated project")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ag-bench-graph-"))
    try:
        project = work / "project"
        t = time.perf_counter()
        generate(project, n=args.revisions, seed=7)
        print(f"generated {args.revisions} revisions in {time.perf_counter() - t:.1f}s at {project}")

        guard = shutil.which("alembic-guard", path=str(Path(sys.executable).parent)) or "alembic-guard"
        cold = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        warm = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        alembic_code = (
            "import sys; from alembic.config import Config; from alembic.script import ScriptDirectory; "
            "cfg = Config(sys.argv[1]); print(ScriptDirectory.from_config(cfg).get_heads())"
        )
        cases = {
            "alembic-guard graph": ([guard, "graph", str(project), "--format", "json"], cold),
            "alembic-guard check": ([guard, "check", str(project), "--format", "json"], cold),
            "alembic ScriptDirectory (no pyc)": ([sys.executable, "-c", alembic_code, str(project / "alembic.ini")], cold),
            "alembic ScriptDirectory (warm pyc)": ([sys.executable, "-c", alembic_code, str(project / "alembic.ini")], warm),
        }
        # sanity: every command must work on this project
        for name, (cmd, env) in cases.items():
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{name} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        subprocess.run(cases["alembic ScriptDirectory (warm pyc)"][0], env=warm, capture_output=True)  # prime pyc

        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (cmd, env) in cases.items():  # interleaved: same machine state for all
                if env is cold:
                    shutil.rmtree(project / "migrations" / "versions" / "__pycache__", ignore_errors=True)
                dt, rss, _rc = timed(cmd, env)
                samples[name].append((dt, rss))

        base = statistics.median(dt for dt, _ in samples["alembic ScriptDirectory (no pyc)"])
        warm_base = statistics.median(dt for dt, _ in samples["alembic ScriptDirectory (warm pyc)"])
        print(f"\n{args.revisions} revisions, median of {args.runs} whole-process runs (interleaved)\n")
        print(f"| command | median s | vs Alembic (no pyc) | vs Alembic (warm pyc) | peak RSS MB |")
        print(f"|---|---|---|---|---|")
        for name, rows in samples.items():
            med = statistics.median(dt for dt, _ in rows)
            rss = max(r for _, r in rows)
            print(f"| {name} | {med:.3f} | {base / med:.1f}x | {warm_base / med:.1f}x | {rss:.0f} |")
        g = statistics.median(dt for dt, _ in samples["alembic-guard graph"])
        c = statistics.median(dt for dt, _ in samples["alembic-guard check"])
        peak = max(r for name in ("alembic-guard graph", "alembic-guard check") for _, r in samples[name])
        print(f"\ntargets: graph >= 10x -> {base / g:.1f}x {'OK' if base / g >= 10 else 'MISSED'}; "
              f"check >= 3x -> {base / c:.1f}x {'OK' if base / c >= 3 else 'MISSED'}; "
              f"peak <= 150 MB -> {peak:.0f} MB {'OK' if peak <= 150 else 'MISSED'}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
