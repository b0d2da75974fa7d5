"""Files a pull request can commit to make a command hang: a FIFO, a symlink to a character device
(/dev/zero never ends), a symlink loop, a folder where a file is expected. Every command must end
quickly with a clear message (exit 2 for a file it needs) or a note/finding naming the file.

The subprocess timeout is a hang guard, not a performance assertion: before the fix, these runs
never ended.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
HANG_GUARD = 60  # seconds; a normal run takes about one
PG_URL = os.environ.get("ALEMBIC_GUARD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

KINDS = ("fifo", "dev-zero", "self-loop", "directory")


def make_trap(path: Path, kind: str) -> None:
    if path.exists() or path.is_symlink():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "self-loop":
        path.symlink_to(path.name)
    elif kind == "directory":
        path.mkdir()
    else:  # pragma: no cover
        raise ValueError(kind)


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(SAMPLES / "models_healthy", root, ignore=shutil.ignore_patterns("expected"))
    (root / "pyproject.toml").write_text('[tool.alembic-guard]\nselect = ["AG"]\n')
    return root


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEMBIC_GUARD_")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "alembic_guard", *args], cwd=root, env=env, capture_output=True, text=True, timeout=HANG_GUARD
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`alembic-guard {' '.join(args)}` did not finish within {HANG_GUARD} s (blocked reading a trap file)")


def assert_clean(proc: subprocess.CompletedProcess) -> str:
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "internal error" not in out, out
    assert proc.returncode in (0, 1, 2), out
    return out


def _sqlite_db(root: Path) -> str:
    db = root / "deployed.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    con.execute("INSERT INTO alembic_version VALUES ('aaaaaaaaaaaa')")
    con.commit()
    con.close()
    return f"sqlite:///{db}"


COMMANDS = {
    "check": lambda root: ["check"],
    "graph": lambda root: ["graph"],
    "models": lambda root: ["models"],
    "merge-heads": lambda root: ["merge-heads", "--dry-run"],
    "linear-history": lambda root: ["linear-history", "check"],
    "gate": lambda root: ["gate", "--db-url", _sqlite_db(root)],
}


# The project's configuration: every command needs it, so every command must refuse it (exit 2)
# and say which file it is and that it is not a regular file.
@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["pyproject.toml", "alembic.ini"])
def test_config_file_that_is_not_a_regular_file_is_refused(project, name, kind, command):
    make_trap(project / name, kind)
    proc = run(project, *COMMANDS[command](project))
    out = assert_clean(proc)
    assert proc.returncode == 2, out
    assert name in out
    assert any(w in out for w in ("not a regular file", "symlink loop", "directory")), out


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_revision_file_trap_is_reported_not_read(project, kind, command):
    trap = project / "migrations" / "versions" / "bbbbbbbbbbbb_trap.py"
    make_trap(trap, kind)
    proc = run(project, *COMMANDS[command](project))
    out = assert_clean(proc)
    if command in ("check", "graph"):
        assert "bbbbbbbbbbbb_trap.py" in out and "not a regular file" in out, out
    if command == "gate":  # the head might be in the file it could not read: it must not say "up to date"
        assert proc.returncode != 0 and "bbbbbbbbbbbb_trap.py" in out, out


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("rel", ["migrations/env.py", "app/db.py", "app/models/people.py", "setup.cfg",
                                 "requirements.txt", ".flaskenv", "migrations/versions/HEAD"])
@pytest.mark.parametrize("command", ["check", "models"])
def test_project_file_trap_never_blocks(project, rel, kind, command):
    make_trap(project / rel, kind)
    proc = run(project, command)
    out = assert_clean(proc)
    if rel == "migrations/env.py":
        assert "env.py" in out and "not a regular file" in out, out
    if rel == "migrations/versions/HEAD" and command == "check":
        assert proc.returncode == 2 and "not a regular file" in out, out
    if rel.startswith("app/") and command == "models":
        assert f"not read: {rel}" in out and "not a regular file" in out, out


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_pool_with_an_app_file_trap(project, kind, pg_admin_url):
    make_trap(project / "app" / "db.py", kind)
    proc = run(project, "pool", "--db-url", pg_admin_url)
    assert_clean(proc)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_baseline_and_merge_reports_inputs(project, tmp_path, kind):
    trap = tmp_path / "report.json"
    make_trap(trap, kind)
    for args in (["check", "--baseline", str(trap)], ["merge-reports", str(trap)]):
        proc = run(project, *args)
        out = assert_clean(proc)
        assert proc.returncode == 2 and "not a regular file" in out, out


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "self-loop", "directory"])
def test_explicit_config_file_trap(project, kind, tmp_path):
    trap = tmp_path / "alembic.ini"
    make_trap(trap, kind)
    proc = run(project, "check", "-c", str(trap))
    out = assert_clean(proc)
    assert proc.returncode == 2, out


def test_reader_helper_bounds_and_refuses(tmp_path):
    from alembic_guard.core import reading

    big = tmp_path / "big.py"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(reading.UnreadableFile, match="more than"):
        reading.read_bytes(big, limit=1000)
    assert reading.read_bytes(big, limit=1001) == b"x" * 1001
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(reading.UnreadableFile, match="FIFO"):
        reading.read_bytes(fifo)
    with pytest.raises(OSError):  # callers that skip unreadable files keep skipping these
        reading.read_text(fifo)
    with pytest.raises(FileNotFoundError):
        reading.read_text(tmp_path / "missing")
    assert reading.problem(tmp_path / "missing") is None
    assert "FIFO" in reading.problem(fifo)


def test_every_project_file_reader_goes_through_the_helper():
    """A new `open(`/`read_text(`/`read_bytes(`/`tomllib.load` on a project file would bring the
    hang back: the modules that read the analysed project use alembic_guard.core.reading only."""
    import re

    pkg = Path(__file__).resolve().parents[2] / "alembic_guard"
    allowed = {  # files that read our own files (docs, /proc, the cache temp files, child pipes)
        "cli/docs.py", "core/reading.py", "core/forking.py", "sandbox/tempdirs.py", "sandbox/pg_cluster.py",
        "sandbox/database.py", "ops/offline.py", "project/importer.py", "models/probe.py",
        "project/loader.py", "testing/runtime/__init__.py",
    }
    pattern = re.compile(r"(?<!reading)\.read_text\(|(?<!reading)\.read_bytes\(|tomllib\.load\(|json\.load\(|(?<![\w.])(?<!def )open\(")
    offenders = []
    for path in pkg.rglob("*.py"):
        rel = path.relative_to(pkg).as_posix()
        if rel in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith("#") and "os.devnull" not in line:
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert not offenders, "read project files with alembic_guard.core.reading:\n" + "\n".join(offenders)
