"""Full static `alembic-guard check` on a generated application of 1,600 modules with a 440-revision
history (issue 13's acceptance): cold (empty result cache) and warm (nothing changed), wall time, CPU
and peak memory of the whole command, with Alembic's own revision loader on the same history as the
reference a user already waits for.

    python benchmarks/bench_full_check.py [--modules 1600] [--revisions 440] [--runs 3]

Goals: cold <= 4 s, warm <= 1 s, peak <= 250 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_audit  # noqa: E402  (the generated application's modules)
import gen_history  # noqa: E402  (the generated history)
from measure import measure  # noqa: E402

ALEMBIC_LOAD = (
    "import sys; from alembic.config import Config; from alembic.script import ScriptDirectory; "
    "c = Config(sys.argv[1]); print(len(list(ScriptDirectory.from_config(c).walk_revisions())))"
)


def build(root: Path, modules: int, revisions: int) -> None:
    gen_history.generate(root, n=revisions)  # alembic.ini, migrations/env.py, versions/
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    for i in range(modules):
        kind = i % 4
        m = (i // 4) * 4
        text = [bench_audit.MODELS, bench_audit.ROUTES, bench_audit.SERVICE, bench_audit.PLAIN][kind].format(i=i, m=m)
        name = ["models", "routes", "service", "util"][kind]
        (app / (f"models_{i}.py" if kind == 0 else f"{name}_{i}.py")).write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1600)
    parser.add_argument("--revisions", type=int, default=440)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "alembic_guard", "check"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        build(root, args.modules, args.revisions)
        cold, warm, alembic = [], [], []
        for run in range(args.runs):  # interleaved: machine noise hits every case alike
            cache = Path(tmp) / f"cache{run}"
            env = {**os.environ, "ALEMBIC_GUARD_CACHE_DIR": str(cache)}
            cold.append(measure([*cli, str(root), "--exit-zero"], env=env))
            warm.append(measure([*cli, str(root), "--exit-zero"], env=env))
            alembic.append(measure([sys.executable, "-c", ALEMBIC_LOAD, str(root / "alembic.ini")], cwd=root))
        for name, rows in (("cold", cold), ("warm", warm), ("alembic", alembic)):
            bad = [r for r in rows if r.rc != 0]
            assert not bad, f"{name} run failed: {bad[0].output}"
    med = lambda rows, key: statistics.median(getattr(r, key) for r in rows)  # noqa: E731
    print(f"application modules: {args.modules}, revisions: {args.revisions}, runs: {args.runs} (medians)")
    print("| case | wall (s) | CPU (s) | peak RSS (MB) |")
    print("|---|---|---|---|")
    for label, rows in (("alembic-guard check, cold cache", cold), ("alembic-guard check, warm cache", warm),
                        ("Alembic's loader (walk_revisions)", alembic)):
        print(f"| {label} | {med(rows, 'wall'):.2f} | {med(rows, 'cpu'):.2f} | {med(rows, 'rss_mb'):.0f} |")
    c, w, a = med(cold, "wall"), med(warm, "wall"), med(alembic, "wall")
    peak = max(r.rss_mb for r in cold + warm)
    print(f"cold / Alembic's loader: {c / a:.2f}x; warm / Alembic's loader: {w / a:.2f}x")
    print(f"goals: cold <= 4 s {'OK' if c <= 4 else 'MISSED'}; warm <= 1 s {'OK' if w <= 1 else 'MISSED'}; "
          f"peak <= 250 MB {'OK' if peak <= 250 else 'MISSED'} ({peak:.0f} MB)")


if __name__ == "__main__":
    main()
