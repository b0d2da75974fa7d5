#!/usr/bin/env python3
"""Benchmark: static `alembic-guard graph` / `check` against Alembic's own ScriptDirectory loader.

Generates an N-revision history (default 5,000: forks, merges, a second labelled tree with
depends_on, mixed header styles; see gen_history.py), then times, in ONE run and interleaved,
whole processes:

  graph        alembic-guard graph PROJECT --format json
  check        alembic-guard check PROJECT --no-cache   (every static rule, nothing reused)
  check warm   alembic-guard check PROJECT              (the same with the result cache of an earlier
               run over the same files: what a second CI job, pre-commit or a developer's rerun sees)
  alembic      python -c "ScriptDirectory.from_config(cfg).get_heads()"   (what `alembic heads` does)

Alembic runs with PYTHONDONTWRITEBYTECODE=1, like a fresh CI checkout (each revision file is
compiled on every run); a second Alembic row with warm __pycache__ is printed for fairness. Both
tools' own packages have their .pyc, as a regular `pip install` leaves them.

Wall time is what a user waits, and what the verdicts use; CPU time (user+sys of the process and
its children) is printed beside it, as it is less sensitive to other load on a shared machine.
`graph` and `check` use every CPU for large histories (jobs = 0), so on a multi-core machine
their wall time is below their CPU time.
Prints medians, ratios and peak RSS. Targets (issue 2): graph >= 10x faster, check >= 3x, peak
memory <= 150 MB. Verdicts compare like with like: cold rows with Alembic without .pyc, the warm
check (its cache primed) with Alembic's warm __pycache__ (Alembic's own cache).

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
from measure import measure  # noqa: E402

def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s of the process tree, peak RSS MB, exit code): see measure.py."""
    m = measure(cmd, env)
    return m.wall, m.cpu, m.rss_mb, m.rc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--revisions", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the generated project")
    ap.add_argument("--compare", metavar="ALEMBIC_GUARD_EXE", default=None,
                    help="another build's alembic-guard executable (e.g. main's venv) timed in the same run, as 'baseline' rows")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ag-bench-graph-"))
    try:
        project = work / "project"
        t = time.perf_counter()
        generate(project, n=args.revisions, seed=7)
        print(f"generated {args.revisions} revisions in {time.perf_counter() - t:.1f}s at {project}")

        guard = shutil.which("alembic-guard", path=str(Path(sys.executable).parent)) or "alembic-guard"
        cold = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        guard_warm = dict(cold, ALEMBIC_GUARD_CACHE_DIR=str(work / "cache"))  # primed by the sanity run below
        warm = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        alembic_code = (
            "import sys; from alembic.config import Config; from alembic.script import ScriptDirectory; "
            "cfg = Config(sys.argv[1]); print(ScriptDirectory.from_config(cfg).get_heads())"
        )
        cases = {
            "alembic-guard graph": ([guard, "graph", str(project), "--format", "json"], cold),
            "alembic-guard check": ([guard, "check", str(project), "--format", "json", "--no-cache"], cold),
            "alembic-guard check warm": ([guard, "check", str(project), "--format", "json"], guard_warm),
            "alembic ScriptDirectory (no pyc)": ([sys.executable, "-c", alembic_code, str(project / "alembic.ini")], cold),
            "alembic ScriptDirectory (warm pyc)": ([sys.executable, "-c", alembic_code, str(project / "alembic.ini")], warm),
        }
        # alembic-guard's own modules get their .pyc, as `pip install` of the wheel writes them
        # (an editable install in an env with PYTHONDONTWRITEBYTECODE=1 would otherwise compile
        # the tool's source on every run; Alembic's own package has its .pyc from its install)
        import compileall

        import alembic_guard

        compileall.compile_dir(str(Path(alembic_guard.__file__).parent), quiet=1)
        if args.compare:
            other_python = str(Path(args.compare).parent / "python")
            code = "import alembic_guard, compileall, os; compileall.compile_dir(os.path.dirname(alembic_guard.__file__), quiet=1)"
            subprocess.run([other_python, "-c", code], check=True, env=warm)
        if args.compare:
            cases = {
                "baseline graph": ([args.compare, "graph", str(project), "--format", "json"], cold),
                "baseline check": ([args.compare, "check", str(project), "--format", "json"], cold),
                **cases,
            }
        # sanity: every command must work on this project
        for name, (cmd, env) in cases.items():
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{name} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        subprocess.run(cases["alembic ScriptDirectory (warm pyc)"][0], env=warm, capture_output=True)  # prime pyc

        samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (cmd, env) in cases.items():  # interleaved: same machine state for all
                if env is not warm:
                    shutil.rmtree(project / "migrations" / "versions" / "__pycache__", ignore_errors=True)
                else:
                    # the cold cases above removed __pycache__: re-prime it (untimed), or this row
                    # would measure compiling AND writing 5,000 .pyc files instead of a warm start
                    subprocess.run(cmd, env=env, capture_output=True)
                dt, cpu, rss, _rc = timed(cmd, env)
                samples[name].append((dt, cpu, rss))

        def med(name: str, i: int) -> float:
            return statistics.median(row[i] for row in samples[name])

        alembic, alembic_warm = "alembic ScriptDirectory (no pyc)", "alembic ScriptDirectory (warm pyc)"
        print(f"\n{args.revisions} revisions, median of {args.runs} whole-process runs (interleaved); "
              f"CPU = user+sys of the process and its children\n")
        print("| command | wall s | CPU s | vs Alembic no pyc (wall / CPU) | vs Alembic warm pyc (wall / CPU) | peak RSS MB |")
        print("|---|---|---|---|---|---|")
        for name, rows in samples.items():
            wall, cpu = med(name, 0), med(name, 1)
            rss = max(r[2] for r in rows)
            print(f"| {name} | {wall:.3f} | {cpu:.3f} | {med(alembic, 0) / wall:.1f}x / {med(alembic, 1) / cpu:.1f}x "
                  f"| {med(alembic_warm, 0) / wall:.1f}x / {med(alembic_warm, 1) / cpu:.1f}x | {rss:.0f} |")
        peak = max(r[2] for name in ("alembic-guard graph", "alembic-guard check", "alembic-guard check warm") for r in samples[name])
        verdicts = []
        for label, name, target, base in (
            ("graph", "alembic-guard graph", 10, alembic),
            ("check cold", "alembic-guard check", 3, alembic),
            ("check warm vs warm pyc", "alembic-guard check warm", 3, alembic_warm),
        ):
            wall_x = med(base, 0) / med(name, 0)
            cpu_x = med(base, 1) / med(name, 1)
            ok = "OK" if wall_x >= target else "MISSED"  # faster = less time waited; CPU shown for noise
            verdicts.append(f"{label} >= {target}x -> wall {wall_x:.1f}x {ok} (CPU {cpu_x:.1f}x)")
        verdicts.append(f"peak <= 150 MB -> {peak:.0f} MB {'OK' if peak <= 150 else 'MISSED'}")
        print("\ntargets: " + "; ".join(verdicts))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
