"""The lower-severity list of issue 17 (items 10 and 13): inputs that used to end in an internal
error, a hang, a silently wrong answer or a misleading "empty"/"up to date". Each gets a clear
message and the right exit code.

Unreadable folders are tested for real: the commands run as an unprivileged user (`nobody`) when
the tests run as root (root reads through chmod 000); as another user, chmod 000 works as is.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
HANG_GUARD = 120  # seconds: a hang guard, not a performance assertion


def copy_sample(dest: Path, name: str = "models_healthy") -> Path:
    shutil.copytree(SAMPLES / name, dest, ignore=shutil.ignore_patterns("expected"))
    return dest


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_sample(tmp_path / "proj")


def run(root: Path, *args: str, user: str | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEMBIC_GUARD_")}
    env["ALEMBIC_GUARD_DEBUG"] = "1"  # an internal error shows its traceback (and fails the test)
    kwargs: dict = {}
    python = sys.executable
    if user is not None:
        kwargs = _as_user(user)
        python, extra_path = _interpreter_for(kwargs)
        env["HOME"] = "/tmp"
        if extra_path:
            env["PYTHONPATH"] = extra_path
    try:
        return subprocess.run([python, "-m", "alembic_guard", *args], cwd=root, env=env, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, timeout=HANG_GUARD, **kwargs)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`alembic-guard {' '.join(args)}` did not finish within {HANG_GUARD} s")


def _as_user(user: str) -> dict:
    return {"user": user, "group": "nogroup" if _has_group("nogroup") else user, "extra_groups": []}


def _interpreter_for(as_user: dict) -> tuple[str, str | None]:
    """An interpreter the other user may run, and the PYTHONPATH it needs: this one, or (when it
    lives under a folder private to root, like ~/.pyenv) the system Python of the same version
    with this environment's packages."""
    import sysconfig

    probe = [sys.executable, "-c", "import alembic_guard"]
    try:
        if subprocess.run(probe, capture_output=True, timeout=60, cwd="/", **as_user).returncode == 0:
            return sys.executable, None
    except PermissionError:
        pass
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/usr/local/bin")
    if system is None:
        pytest.skip("no interpreter an unprivileged user may run (root reads through chmod 000)")
    repo = str(Path(__file__).resolve().parents[2])
    paths = os.pathsep.join(dict.fromkeys([repo, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))
    env = {"PYTHONPATH": paths, "HOME": "/tmp", "PATH": os.environ.get("PATH", "")}
    if subprocess.run([system, "-c", "import alembic_guard"], capture_output=True, timeout=60, cwd="/", env=env,
                      **as_user).returncode != 0:
        paths = _shared_copy(paths.split(os.pathsep))  # the checkout sits in a folder private to root
    return system, paths


_SHARED: dict[str, str] = {}


def _shared_copy(folders: list[str]) -> str:
    """The package and its dependencies copied where every user may read them (once per session):
    a checkout inside a private folder (`mktemp -d` makes it 0700) is out of the other user's reach."""
    key = os.pathsep.join(folders)
    if key not in _SHARED:
        base = Path(tempfile.mkdtemp(prefix="ag-shared-site-"))
        atexit.register(shutil.rmtree, base, True)
        out = []
        for i, folder in enumerate(folders):
            dest = base / str(i)
            if i == 0:  # the checkout: only its package
                dest.mkdir()
                shutil.copytree(Path(folder, "alembic_guard"), dest / "alembic_guard",
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copytree(folder, dest, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
            out.append(str(dest))
        for dirpath, _, filenames in os.walk(base):
            os.chmod(dirpath, 0o755)
            for f in filenames:
                os.chmod(Path(dirpath, f), 0o644 if not os.access(Path(dirpath, f), os.X_OK) else 0o755)
        _SHARED[key] = os.pathsep.join(out)
    return _SHARED[key]


def _has_group(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def output(proc: subprocess.CompletedProcess) -> str:
    out = (proc.stdout or "") + proc.stderr
    assert "Traceback" not in out and "internal error" not in out, out
    assert "AG000" not in out, out  # a rule that crashed is an internal error too
    return out


# ---------------------------------------------------------------------- item 10: unreadable folders
@pytest.fixture
def shared_project():
    """A project every user may read (the test's tmp_path is private to root), as
    (root, user to run as or None)."""
    base = Path(tempfile.mkdtemp(prefix="ag-unreadable-"))
    os.chmod(base, 0o755)
    root = copy_sample(base / "proj")
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(Path(dirpath, f), 0o644)
    user = "nobody" if os.geteuid() == 0 else None
    try:
        yield root, user
    finally:
        for dirpath, dirnames, _ in os.walk(base):
            for d in dirnames:
                os.chmod(Path(dirpath, d), 0o755)
        shutil.rmtree(base, ignore_errors=True)


def _locked_folder(path: Path) -> None:
    (path / "base").mkdir(parents=True)
    (path / "base" / "x.py").write_text("import sqlalchemy\n")
    os.chmod(path, 0)


@pytest.mark.parametrize("imported", [False, True], ids=["beside", "imported-by-env"])
@pytest.mark.parametrize("command", [["check", "--no-cache"], ["models"], ["models", "--format", "json"]])
def test_unreadable_data_folder_is_skipped_with_a_note(shared_project, command, imported):
    root, user = shared_project
    if imported:  # the import resolver must not trip over it either
        env = root / "migrations" / "env.py"
        env.write_text("import pgdata.base\nfrom pgdata import thing\n" + env.read_text())
    # a database volume owned by another user; `check` audits the environment's application root
    # (the `app` package env.py imports its metadata from), so there it sits inside the application
    _locked_folder((root / "app" if command[0] == "check" else root) / "pgdata")
    proc = run(root, *command, user=user)
    out = output(proc)
    assert proc.returncode in (0, 1), out
    assert "pgdata" in out and "permission denied" in out, out


@pytest.mark.postgres
def test_pool_skips_an_unreadable_folder_with_a_note(shared_project, pg_admin_url):
    root, user = shared_project
    _locked_folder(root / "pgdata")
    proc = run(root, "pool", "--db-url", pg_admin_url, user=user)
    out = output(proc)
    assert proc.returncode in (0, 1), out
    assert "note:" in proc.stderr and "pgdata" in proc.stderr, out


@pytest.mark.parametrize("command", [["check", "--no-cache"], ["graph"], ["merge-heads", "--dry-run"]])
def test_unreadable_versions_folder_is_exit_2_not_empty(shared_project, command):
    root, user = shared_project
    os.chmod(root / "migrations" / "versions", 0)
    proc = run(root, *command, user=user)
    out = output(proc)
    assert proc.returncode == 2, out
    assert "cannot read the versions folder" in out and "permission denied" in out, out


def test_unreadable_revision_file_is_exit_2(shared_project):
    root, user = shared_project
    rev = next((root / "migrations" / "versions").glob("*.py"))
    os.chmod(rev, 0)
    proc = run(root, "check", "--no-cache", user=user)
    out = output(proc)
    assert proc.returncode == 2 and rev.name in out and "permission denied" in out, out


# ---------------------------------------------------------------------- item 13
def test_non_utf8_pyproject(project):
    (project / "pyproject.toml").write_bytes(b"[tool.alembic-guard]\n# caf\xe9\n")
    proc = run(project, "check")
    out = output(proc)
    assert proc.returncode == 2 and "pyproject.toml:2" in out and "not UTF-8" in out, out


def test_deeply_nested_toml(project):
    (project / "pyproject.toml").write_text("[tool.alembic-guard]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    proc = run(project, "check")
    out = output(proc)
    assert proc.returncode == 2 and "nested too deeply" in out, out


def test_deeply_nested_json_baseline_and_merge_reports(project, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"findings":' + "[" * 100_000 + "]" * 100_000 + "}")
    for args in (["check", "--baseline", str(deep)], ["merge-reports", str(deep)]):
        proc = run(project, *args)
        out = output(proc)
        assert proc.returncode == 2 and "nested too deeply" in out, out


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["check"], ["check", "--format", "json"], ["graph"], ["rules"]])
def test_stdout_on_a_full_disk(project, command):
    with open("/dev/full", "w") as full:
        proc = run(project, *command, stdout=full)
    out = output(proc)
    assert proc.returncode == 2 and "cannot write the output: No space left on device" in out, out


@pytest.mark.parametrize("value", ['"/"', '"../.."', '"/proc"'])
def test_app_paths_outside_the_project_are_refused(project, value):
    (project / "pyproject.toml").write_text(f"[tool.alembic-guard]\napp-paths = [{value}]\n")
    for command in ("check", "models"):
        proc = run(project, command)
        out = output(proc)
        assert proc.returncode == 2 and "is outside the project" in out, out


def test_app_paths_inside_the_project_still_work(project):
    (project / "pyproject.toml").write_text('[tool.alembic-guard]\napp-paths = ["app"]\n')
    proc = run(project, "models")
    out = output(proc)
    assert proc.returncode == 0 and "Person" in out, out


def test_a_3000_level_class_chain(project):
    lines = ["from app.db import Base", "import sqlalchemy as sa", "", "class C0(Base):",
             "    __tablename__ = 'c0'", "    id = sa.Column(sa.Integer, primary_key=True)"]
    lines += [f"class C{i}(C{i - 1}):\n    pass" for i in range(1, 3000)]
    (project / "app" / "models" / "chain.py").write_text("\n".join(lines) + "\n")
    proc = run(project, "models", "--format", "json")
    out = output(proc)
    assert proc.returncode == 0, out
    assert '"name": "C2999"' in out and '"name": "C0"' in out


@pytest.mark.parametrize("kind", ["directory", "self-loop", "fifo"])
def test_alembic_ini_that_is_not_a_file_is_not_ignored(project, kind):
    ini = project / "alembic.ini"
    ini.unlink()
    if kind == "directory":
        ini.mkdir()
    elif kind == "self-loop":
        ini.symlink_to("alembic.ini")
    else:
        os.mkfifo(ini)
    # pyproject.toml with [tool.alembic] beside it: the ini must not be skipped silently in favour of it
    (project / "pyproject.toml").write_text('[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    proc = run(project, "check")
    out = output(proc)
    assert proc.returncode == 2 and "alembic.ini" in out, out
    assert any(w in out for w in ("directory", "symlink loop", "FIFO")), out


BROKEN_HEAD = '''"""broken head

Revision ID: cccccccccccc
Revises: aaaaaaaaaaaa
"""
from alembic import op
import sqlalchemy as sa

revision = "cccccccccccc"
down_revision = "aaaaaaaaaaaa"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("person", sa.Column("x", sa.Integer())


def downgrade():
    pass
'''


def test_graph_marks_an_unparsable_head(project):
    (project / "migrations" / "versions" / "cccccccccccc_broken.py").write_text(BROKEN_HEAD)
    proc = run(project, "graph")
    out = output(proc)
    assert "cccccccccccc  BROKEN: migrations/versions/cccccccccccc_broken.py:16" in out, out
    proc = run(project, "graph", "--format", "json")
    assert '"unparsable_heads": [' in output(proc) and '"revision": "cccccccccccc"' in proc.stdout


def _deployed(tmp_path: Path, *rows: str) -> str:
    db = tmp_path / f"deployed-{'-'.join(rows)}.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    con.executemany("INSERT INTO alembic_version VALUES (?)", [(r,) for r in rows])
    con.commit()
    con.close()
    return f"sqlite:///{db}"


def test_gate_refuses_an_unparsable_head(project, tmp_path):
    (project / "migrations" / "versions" / "cccccccccccc_broken.py").write_text(BROKEN_HEAD)
    proc = run(project, "gate", "--db-url", _deployed(tmp_path, "cccccccccccc"))
    out = output(proc)
    assert proc.returncode == 2 and "cannot tell whether the database is up to date" in out and "cccccccccccc" in out, out
    assert "up-to-date" not in out


def test_gate_refuses_overlapping_version_rows(project, tmp_path):
    head = BROKEN_HEAD.replace('    op.add_column("person", sa.Column("x", sa.Integer())', '    op.add_column("person", sa.Column("x", sa.Integer()))')
    (project / "migrations" / "versions" / "cccccccccccc_second.py").write_text(head)
    proc = run(project, "gate", "--db-url", _deployed(tmp_path, "aaaaaaaaaaaa", "cccccccccccc"))
    out = output(proc)
    assert proc.returncode == 2 and "overlapping revisions" in out and "aaaaaaaaaaaa" in out, out
    proc = run(project, "gate", "--db-url", _deployed(tmp_path, "cccccccccccc"))  # the same history, one row: fine
    assert proc.returncode == 0, output(proc)


def test_sourceless_project_is_exit_2_not_empty(project):
    import py_compile

    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]\n", "[alembic]\nsourceless = true\n", 1))
    for rev in (project / "migrations" / "versions").glob("*.py"):
        py_compile.compile(str(rev), cfile=str(rev) + "c")
        rev.unlink()
    for command in ("check", "graph"):
        proc = run(project, command)
        out = output(proc)
        assert proc.returncode == 2 and "sourceless = true" in out and ".pyc" in out, out


def test_corrupt_huge_cache_file_is_not_read_whole(project, tmp_path):
    cache = tmp_path / "cache"
    proc = run(project, "check", "--cache-dir", str(cache))
    assert proc.returncode == 0, output(proc)
    entries = list(cache.glob("*.json"))
    assert entries
    for entry in entries:
        os.truncate(entry, 3 * 1024**3)  # a sparse 3 GB file: no disk used, but read whole it needs 3 GB of RAM
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M", sys.executable, "-m", "alembic_guard", "check", "--cache-dir", str(cache)],
                          cwd=project, capture_output=True, text=True, timeout=HANG_GUARD) if Path("/usr/bin/time").exists() else run(project, "check", "--cache-dir", str(cache))
    out = output(proc)
    assert proc.returncode == 0, out
    rss = [int(line.split("=")[1]) for line in proc.stderr.splitlines() if line.startswith("maxrss=")]
    if rss:
        assert rss[0] < 1024 * 1024, f"the cache file was read whole: {rss[0]} KB"  # less than 1 GB
    assert time.monotonic() - started < HANG_GUARD


def test_percent_in_the_project_path(tmp_path):
    root = copy_sample(tmp_path / "p%x")
    proc = run(root, "check")
    out = output(proc)
    assert proc.returncode == 2 and "contains `%`" in out and "Alembic cannot run" in out, out
    # a path without %(here)s in the ini is analysed as usual
    ini = root / "alembic.ini"
    ini.write_text(ini.read_text().replace("%(here)s/migrations", "migrations"))
    proc = run(root, "check")
    assert proc.returncode == 0, output(proc)
