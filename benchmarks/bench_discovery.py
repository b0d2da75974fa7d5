"""What discovery adds on a large repository (issue 12: under 0.3 s on 20,000 files).

    python benchmarks/bench_discovery.py [--files 20000]

Generates a repository of about --files files (kept in a temporary folder, removed afterwards):
an application of packages and modules, `tests/`, `docs/`, a `.git` folder, a virtualenv (a
folder with `pyvenv.cfg`), `node_modules` and `build/` — each a sizeable share of the files,
as in real repositories — plus three Alembic environments (an ini with `[core]` and `[tenant]`
sections using package-style script locations under `src/`, and a Flask-Migrate folder).

It prints:
- `discover()` in this process: the median of 7 runs (the walk, reading the inis, resolving
  package locations);
- the whole `graph` command with no flags (discovery) versus the same command with `-c ... -n
  core` (no discovery), each the median of 5 runs: the difference is what discovery adds to a
  user's wait (it also analyses the two other environments, so it is an upper bound).

Verdict: PASS when discovery's in-process time is under 0.3 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402

REV = '''"""{msg}"""
revision = "{rid}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''
ENV = "from alembic import context\nfrom app.models import Base\ntarget_metadata = Base.metadata\n"


def write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def generate(root: Path, files: int) -> int:
    """A repository of about `files` files; returns the exact count."""
    share = files // 6
    count = 0

    def spread(base: Path, n: int, per_dir: int, suffix: str, text: str = "x = 1\n") -> None:
        nonlocal count
        for i in range(n):
            write(base / f"d{i // per_dir}" / f"f{i}{suffix}", text)
            count += 1

    # the application: packages of modules under src/app
    write(root / "pyproject.toml", "[project]\nname = 'app'\ndependencies = ['psycopg2']\n")
    write(root / "src" / "app" / "__init__.py")
    write(root / "src" / "app" / "models.py", "class Base: pass\n")
    spread(root / "src" / "app" / "pkg", share, 40, ".py")
    spread(root / "tests", share // 2, 40, ".py")
    spread(root / "docs", share // 2, 60, ".md", "text\n")
    spread(root / ".git" / "objects", share, 200, "", "blob\n")
    write(root / ".venv" / "pyvenv.cfg", "home = /usr/bin\n")
    spread(root / ".venv" / "lib" / "site-packages", share // 2, 50, ".py")
    write(root / "venv2" / "pyvenv.cfg", "home = /usr/bin\n")  # a virtualenv with an ordinary name
    spread(root / "venv2" / "lib", share // 2, 50, ".py")
    spread(root / "node_modules", share, 30, ".js", "module.exports = 1\n")
    spread(root / "build", files - count - 40, 50, ".py")
    # three environments: [core] and [tenant] (package-style, under src/), and Flask-Migrate
    write(root / "src" / "app" / "alembic.ini",
          "[alembic]\nfile_template = %%(rev)s\n\n[core]\nscript_location = app:db/core\n\n"
          "[tenant]\nscript_location = app:db/tenant\n")
    for name in ("core", "tenant"):
        base = root / "src" / "app" / "db" / name
        write(base / "env.py", ENV)
        for i in range(10):
            write(base / "versions" / f"{name}{i:03d}_r.py",
                  REV.format(msg=f"r{i}", rid=f"{name}{i:03d}", down=f'"{name}{i - 1:03d}"' if i else "None"))
            count += 1
    write(root / "migrations" / "env.py", "from alembic import context\nfrom flask import current_app\n")
    write(root / "migrations" / "alembic.ini", "[alembic]\n")
    for i in range(10):
        write(root / "migrations" / "versions" / f"m{i:03d}_r.py",
              REV.format(msg=f"m{i}", rid=f"m{i:03d}", down=f'"m{i - 1:03d}"' if i else "None"))
        count += 1
    return sum(1 for p in root.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20_000)
    args = parser.parse_args()
    from alembic_guard.project.discover import discover

    tmp = Path(tempfile.mkdtemp(prefix="ag-bench-discovery-"))
    try:
        total = generate(tmp, args.files)
        runs = []
        for _ in range(7):
            t = time.perf_counter()
            found = discover(tmp)
            runs.append(time.perf_counter() - t)
        labels = [e.label for e in found.environments]
        in_process = statistics.median(runs)
        print(f"repository: {total} files; environments found: {len(labels)} ({', '.join(labels)})")
        print(f"discover(): median {in_process * 1000:.1f} ms (min {min(runs) * 1000:.1f}, max {max(runs) * 1000:.1f})")
        tool = [sys.executable, "-m", "alembic_guard", "graph"]
        walls = {"discovery (no flags)": [], "one environment (-c -n core)": []}
        for _ in range(5):
            walls["discovery (no flags)"].append(measure([*tool, str(tmp)]).wall)
            walls["one environment (-c -n core)"].append(
                measure([*tool, str(tmp), "-c", str(tmp / "src" / "app" / "alembic.ini"), "-n", "core"]).wall)
        for name, values in walls.items():
            print(f"graph, {name}: median {statistics.median(values) * 1000:.0f} ms")
        added = statistics.median(walls["discovery (no flags)"]) - statistics.median(walls["one environment (-c -n core)"])
        print(f"added by discovery (and by analysing 2 more environments): {added * 1000:.0f} ms")
        ok = in_process < 0.3 and len(labels) == 3
        print("PASS" if ok else "FAIL", f"(discovery under 0.3 s on {total} files, 3 environments found)")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
