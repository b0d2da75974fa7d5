#!/usr/bin/env python3
"""What masking every line of output costs (alembic_guard.masking, docs/security.md).

    python benchmarks/bench_masking.py [-n 5000]

The command line routes all of stdout, stderr and every report file through `mask_secrets`. This
checks a generated N-revision history (benchmarks/gen_history.py; findings on most revisions),
renders the report in every built-in format, and times, per format: rendering, and masking the
rendered text — with no secret registered and with one registered (a `--db-url` with a password).
Verdict: masking must cost under 2% of the check it follows (it is a few percent of rendering).
Also times the worst cases a report could hold: 50,000 lines each with an `@`, a URL, or a
`password=`.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_history import generate  # noqa: E402

from alembic_guard import api, formatters, masking  # noqa: E402
from alembic_guard.settings import load  # noqa: E402

FORMATS = ("text", "json", "sarif", "github", "junit", "summary")


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, n=args.n)
        t = time.perf_counter()
        report = api.check(load(Path(tmp), select=("AG1", "AG4"), cache=False))
        check_s = time.perf_counter() - t
    print(f"check of {args.n} revisions: {check_s:.2f} s, {len(report.findings)} findings\n")
    print(f"{'format':8} {'size':>9} {'render':>9} {'mask':>9} {'mask+secret':>12}  verdict")
    worst = 0.0
    for fmt in FORMATS:
        out = io.StringIO()
        render_s = best(lambda: formatters.get(fmt)(report, io.StringIO()))
        formatters.get(fmt)(report, out)
        text = out.getvalue()
        masking.forget_secrets()
        plain_s = best(lambda: masking.mask_secrets(text))
        masking.register_secrets(["postgresql://ci:Bench-S3cret-pw@db/postgres"])
        secret_s = best(lambda: masking.mask_secrets(text))
        masking.forget_secrets()
        ratio = max(plain_s, secret_s) / check_s
        worst = max(worst, ratio)
        verdict = "ok" if ratio < 0.02 else "SLOW"
        print(f"{fmt:8} {len(text) / 1e6:7.2f}MB {render_s:8.3f}s {plain_s:8.3f}s {secret_s:11.3f}s  {verdict} ({ratio:.2%} of the check)")
    print()
    for name, line in (
        ("@ on every line", "migrations/versions/r%d.py:12:1: AG401 GRANT x TO app@host\n"),
        ("URL on every line", "could not connect to postgresql://u:pw-%d@db/x\n"),
        ("password= on every line", "migrations/versions/r%d.py:3:1: AG420 UPDATE users SET password='x'\n"),
    ):
        text = "".join(line % i for i in range(50_000))
        print(f"worst case, {name:24} {len(text) / 1e6:5.2f}MB masked in {best(lambda: masking.mask_secrets(text), 1):.2f} s")
    print(f"\nverdict: masking a report costs at most {worst:.2%} of the check that made it")


if __name__ == "__main__":
    main()
