#!/usr/bin/env python3
"""Benchmark: the static models analysis (AG2xx) against the `--import` probe, same project.

Generates a project with N model modules (default 500) in a realistic shape: a declarative base,
feature packages `app/<feature>/models/<name>.py` (10 features), each feature's `models/__init__`
importing its modules, an aggregator `app/models.py`, one model per module with a foreign key,
a mixin and a few imperative association tables — and ONE module nobody imports, so both paths
have a finding to produce. Then times, in one run and interleaved, whole processes:

  static  alembic-guard check PROJECT --select AG201,AG202,AG204,AG205     (reads files, runs nothing)
  import  alembic-guard check PROJECT --select AG206 --import   (runs env.py in a subprocess)

The import row is what a user gets from the runtime alternative (pytest-alembic's
`all_models_register_on_metadata` runs env.py the same way). PYTHONDONTWRITEBYTECODE=1 for both,
like a fresh CI checkout. Prints medians and the ratio. Target (issue 3): static < 1 s.

    python benchmarks/bench_models.py [--modules 500] [--runs 5]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measure  # noqa: E402

INI = "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = .\nsqlalchemy.url = sqlite://\n"
ENV = '''from alembic import context

import app.models  # noqa: F401
from app.db import Base

target_metadata = Base.metadata


def run_migrations_offline():
    context.configure(url="sqlite://", target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_offline()
'''
DB = '''import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class IdMixin:
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
'''
MODEL = '''"""Model {i}."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin


class Thing{i}(IdMixin, Base):
    __tablename__ = "thing_{i}"
    name: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("thing_{parent}.id"))
'''
LINKS = '''import sqlalchemy as sa

from app.db import Base

links_{f} = sa.Table(
    "links_{f}",
    Base.metadata,
    sa.Column("a", sa.Integer, primary_key=True),
    sa.Column("b", sa.Integer, primary_key=True),
)
'''


def generate(root: Path, modules: int, features: int = 10) -> None:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(INI)
    (root / "migrations" / "env.py").write_text(ENV)
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "db.py").write_text(DB)
    aggregate = []
    per_feature = max(1, modules // features)
    for i in range(modules):
        f = min(i // per_feature, features - 1)
        pkg = app / f"feature{f}"
        models = pkg / "models"
        if not models.exists():
            models.mkdir(parents=True)
            (pkg / "__init__.py").write_text("")
            (models / "links.py").write_text(LINKS.format(f=f))
            aggregate.append(f"import app.feature{f}.models  # noqa: F401")
        (models / f"thing{i}.py").write_text(MODEL.format(i=i, parent=max(i - 1, 0)))
    for f in range(features):
        models = app / f"feature{f}" / "models"
        names = sorted(p.stem for p in models.glob("thing*.py"))
        if f == features - 1:
            names = names[:-1]  # the last module is never imported: AG201
        lines = ["from . import links  # noqa: F401"] + [f"from . import {n}  # noqa: F401" for n in names]
        (models / "__init__.py").write_text("\n".join(lines) + "\n")
    (app / "models.py").write_text("\n".join(aggregate) + "\n")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds of the process tree, exit code, output tail): see measure.py."""
    m = measure(cmd, env)
    return m.wall, m.cpu, m.rc, m.output


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the generated project")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ag-bench-models-"))
    try:
        project = work / "project"
        t = time.perf_counter()
        generate(project, args.modules)
        print(f"generated {args.modules} model modules in {time.perf_counter() - t:.2f} s: {project}")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        exe = [sys.executable, "-m", "alembic_guard", "check", str(project), "--no-progress"]
        rows = {
            "static (AG201-AG205)": exe + ["--select", "AG201,AG202,AG204,AG205"],
            "--import probe (AG206)": exe + ["--select", "AG206", "--import"],
        }
        times: dict[str, list[float]] = {k: [] for k in rows}
        cpus: dict[str, list[float]] = {k: [] for k in rows}
        outputs: dict[str, str] = {}
        for _ in range(args.runs):
            for name, cmd in rows.items():
                dt, cpu, rc, out = timed(cmd, env)
                times[name].append(dt)
                cpus[name].append(cpu)
                outputs[name] = f"exit {rc}: " + out.strip().splitlines()[-1] if out.strip() else f"exit {rc}"
        med = {k: statistics.median(v) for k, v in times.items()}
        cpu = {k: statistics.median(v) for k, v in cpus.items()}
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\nwhole-process medians over {args.runs} runs ({args.modules} model modules; load average {load:.1f}):")
        print(f"  {'':<24} {'wall':>8} {'CPU':>8}")
        for name in rows:
            print(f"  {name:<24} {med[name]:7.3f}s {cpu[name]:7.3f}s   [{outputs[name]}]")
        static, probe = med["static (AG201-AG205)"], med["--import probe (AG206)"]
        s_cpu, p_cpu = cpu["static (AG201-AG205)"], cpu["--import probe (AG206)"]
        print(f"\nratio: the static analysis is {probe / static:.1f}x faster than the --import probe (wall), "
              f"{p_cpu / s_cpu:.1f}x (CPU)")
        print(f"target static < 1 s: {'met' if static < 1.0 else 'MISSED'} (wall {static:.3f} s, CPU {s_cpu:.3f} s; "
              "on a busy machine wall time includes waiting for a core)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
