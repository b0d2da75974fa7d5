"""Benchmark: what the lock trace adds to a round trip (issue 15's goal: ≤ 30 %).

    .venv/bin/python benchmarks/bench_trace.py [--admin-url URL] [--runs 5] [--revisions 100]

The same 100-revision project as bench_roundtrip.py (gen_roundtrip_project), the same
PostgreSQL server, the same run: `alembic-guard check PROJECT --select AG3 --db-url URL` with the
trace (the default) and with `--no-trace`, interleaved so machine noise hits both; whole
processes, wall clock, median of --runs after one warm-up of each. Prints both medians and the
ratio (with / without), and what the trace pass itself took inside the run (from the report).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_roundtrip_project as gen  # noqa: E402  (the generator bench_roundtrip.py measures with)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--admin-url", default=os.environ.get("ALEMBIC_GUARD_BENCH_PG_URL",
                                                          "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--revisions", type=int, default=100)
    args = ap.parse_args()

    vbin = Path(sys.executable).parent
    server = args.admin_url.rsplit("/", 1)[0]
    work = Path(tempfile.mkdtemp(prefix="ag-bench-trace-"))
    proj = work / "proj"
    info = gen.generate(str(proj), args.revisions, 7, f"{server}/bench_unused")
    print(f"project: {info}")
    base = [str(vbin / "alembic-guard"), "check", str(proj), "--select", "AG3", "--db-url", args.admin_url,
            "--no-progress", "--format", "json"]
    cases = {"with trace": base, "without trace (--no-trace)": base + ["--no-trace"]}
    times: dict[str, list[float]] = {name: [] for name in cases}
    traced: list[float] = []

    def timed(name: str, cmd: list[str]) -> float:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=proj, env=env, capture_output=True, text=True)
        dt = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
            sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}")
        rt = json.loads(p.stdout)["facts"]["roundtrip"]
        if name == "with trace":
            trace = rt.get("trace") or {}
            assert len(trace.get("revisions") or ()) == args.revisions, "not every revision was traced"
            traced.append(sum(r["seconds"] for r in trace["revisions"].values()))
        else:
            assert "trace" not in rt
        return dt

    for name, cmd in cases.items():  # warm-up: bytecode caches, the server's buffers
        timed(name, cmd)
    traced.clear()
    for _ in range(args.runs):
        for name, cmd in cases.items():
            times[name].append(timed(name, cmd))
    med = {name: statistics.median(v) for name, v in times.items()}
    for name, v in times.items():
        print(f"{name:30s} median {med[name]:.3f} s  runs: {', '.join(f'{x:.2f}' for x in v)}")
    ratio = med["with trace"] / med["without trace (--no-trace)"]
    print(f"\nratio with / without trace = {ratio:.3f} (+{(ratio - 1) * 100:.1f} %; goal ≤ +30 %)")
    print(f"traced upgrades (sum of RevisionTrace.seconds), median: {statistics.median(traced):.3f} s")


if __name__ == "__main__":
    main()
