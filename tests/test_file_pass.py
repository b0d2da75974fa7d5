"""The engine's single file pass: serial and forked-parallel give the same report, flat memory.

The parallel path (large histories, `jobs` 0 = one per CPU) must be invisible in the output:
same findings in the same order, AG000 crash isolation, AG003 syntax errors and suppressions.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from alembic_guard import api, engine
from alembic_guard.engine import file_pass
from alembic_guard.formatters import get as get_formatter
from alembic_guard.rules import BY_CODE
from alembic_guard.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

N = engine.PARALLEL_AT + 200


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    from gen_history import generate

    root = tmp_path_factory.mktemp("filepass") / "project"
    generate(root, n=N, seed=5)
    versions = sorted((root / "migrations" / "versions").rglob("*.py"))
    # findings from both halves of the history: dangerous ops, a suppressed one, a syntax error
    for i, path in enumerate(versions[:: len(versions) // 9]):
        text = path.read_text(encoding="utf-8")
        extra = '    op.drop_column("users", "legacy")\n'
        if i % 3 == 1:
            extra = '    op.drop_column("users", "legacy")  # alembic-guard: ignore[AG4] reviewed\n'
        path.write_text(text.replace("def upgrade():\n", "def upgrade():\n" + extra, 1), encoding="utf-8")
    relative = versions[-5]  # AG003 reads the relative import recorded at parse time (worker side)
    relative.write_text("from .helpers import shared\n" + relative.read_text(encoding="utf-8"), encoding="utf-8")
    broken = versions[-3]
    broken.write_text(broken.read_text(encoding="utf-8").replace("def downgrade():", "def downgrade(:"), encoding="utf-8")
    return root


def _json(history: Path, jobs: int) -> str:
    report = api.check(Settings(root=history, jobs=jobs, cache=False))  # the pass itself, not the cache
    out = io.StringIO()
    get_formatter("json")(report, out)
    return out.getvalue()


@pytest.fixture
def forks(monkeypatch) -> list:
    started: list = []
    real = file_pass._fork_slice

    def counting(*args, **kwargs):
        child = real(*args, **kwargs)
        started.append(child)
        return child

    monkeypatch.setattr(file_pass, "_fork_slice", counting)
    return started


def test_parallel_report_equals_serial(history, forks):
    serial = _json(history, jobs=1)
    assert not forks
    parallel = _json(history, jobs=2)
    assert len(forks) == 1 and forks[0] is not None  # really forked
    assert parallel == serial
    assert '"code": "AG003"' in serial and '"code": "AG000"' not in serial  # the pass ran, nothing crashed


def test_findings_from_both_halves_and_suppressions(history):
    report = api.check(Settings(root=history, jobs=2, cache=False))
    codes = [f.code for f in report.findings]
    assert "AG003" in codes
    assert any(f.code == "AG003" and "relatively" in f.message and f.location.line == 1 for f in report.findings)
    drops = [f for f in report.findings if f.code.startswith("AG4") and "legacy" in f.message]
    paths = sorted({str(f.location.path) for f in drops})
    assert len(paths) >= 5  # the un-suppressed drops, first half and second half alike
    assert not any(f.code == "AG001" for f in report.findings)  # every suppression was used


def test_crash_isolation_in_workers(history, forks, monkeypatch):
    rule = BY_CODE["AG108"]
    real = rule.func

    def flaky(migration, project):
        if str(migration.relpath).endswith(("0.py", "7.py")):
            raise RuntimeError("boom")
        return real(migration, project)

    monkeypatch.setattr(rule, "func", flaky)
    serial = _json(history, jobs=1)
    parallel = _json(history, jobs=2)
    assert forks and parallel == serial
    report = api.check(Settings(root=history, jobs=2, cache=False))
    crashes = [f for f in report.findings if f.code == "AG000"]
    assert crashes and all("AG108" in f.message and "boom" in f.message for f in crashes)
    assert any(f.code == "AG003" for f in report.findings)  # other rules ran normally


def test_small_history_stays_serial(forks):
    root = Path(__file__).resolve().parent.parent / "sample_projects" / "healthy"
    api.check(Settings(root=root, jobs=0, cache=False))
    assert forks == []


def test_trees_are_released(history):
    from alembic_guard import rules
    from alembic_guard.project import Project

    project = Project.load(Settings(root=history, jobs=1, cache=False))
    engine.run(project, rules.select())
    assert not any(m.parsed for m in project.migrations)
    assert all(m.body_checked for m in project.migrations if m.body_analysed)


def test_auto_jobs_stay_serial_with_threads(history, forks):
    import threading

    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()
    try:
        api.check(Settings(root=history, jobs=0, cache=False))
    finally:
        stop.set()
        helper.join()
    assert forks == []


def _headers(project):
    return [(m.relpath, m.values, m.lines, m.message, m.source) for m in project.migrations], [
        (p.kind, p.location, p.message) for p in project.problems
    ]


def test_parallel_reader_equals_serial_reader(history, monkeypatch):
    """Large histories are read by two processes (parallel_read.read_files): same migrations, same
    problems (the syntax-error file included), in the same order, as one process reads them."""
    from alembic_guard.core import forking
    from alembic_guard.project import Project

    started = []
    real = forking.start
    monkeypatch.setattr(forking, "start", lambda work: started.append(1) or real(work))
    parallel = _headers(Project.load(Settings(root=history, jobs=2, cache=False)))
    assert started, "the reader forked"
    started.clear()
    serial = _headers(Project.load(Settings(root=history, jobs=1, cache=False)))
    assert not started
    assert parallel == serial


def test_reader_child_failure_falls_back_to_reading_here(history, monkeypatch):
    from alembic_guard.project import Project, parallel_read

    serial = _headers(Project.load(Settings(root=history, jobs=1, cache=False)))

    import os

    parent, real = os.getpid(), parallel_read.read_fast

    def boom(path):
        if os.getpid() != parent:
            raise RuntimeError("reader bug")  # only in the forked child: it exits non-zero
        return real(path)

    monkeypatch.setattr(parallel_read, "read_fast", boom)
    collected = []
    real_collect = parallel_read._collect_reader
    monkeypatch.setattr(parallel_read, "_collect_reader",
                        lambda child: collected.append(real_collect(child)) or collected[-1])
    assert _headers(Project.load(Settings(root=history, jobs=2, cache=False))) == serial
    assert collected == [None], "the child failed, and its half was read here"
