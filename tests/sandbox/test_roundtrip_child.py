"""env.py and the migrations run in a child process (issue 17.7): a migration that ends its
process is reported by the parent (AG309, exit 1) and the throwaway database is dropped, on real
PostgreSQL and MariaDB; a failing env.py / refused connection still comes back as before."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import sigint_roundtrip as sigint  # noqa: E402  (its CLI driver logs the databases a run creates)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
ENDINGS = {
    "os_exit": "import os; os._exit(0)",
    "segfault": "import ctypes; ctypes.string_at(0)",
    "sigkill": "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
}
EXPECTED = {"os_exit": "exited with status 0", "segfault": "was killed by signal SIGSEGV", "sigkill": "was killed by signal SIGKILL"}


def project(tmp_path: Path, ending: str) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(SAMPLES / "healthy", root)
    shutil.rmtree(root / "expected", ignore_errors=True)
    rev = root / "migrations/versions/bbbbbbbbbbbb_add_user_name.py"
    rev.write_text(rev.read_text().replace("def upgrade() -> None:\n", f"def upgrade() -> None:\n    {ENDINGS[ending]}\n", 1))
    return root


def check(root: Path, admin_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALEMBIC_GUARD", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", sigint.DRIVER, "check", str(root), "--select", "AG3", "--db-url", admin_url, "--no-cache"],
        capture_output=True, text=True, timeout=120, env=env, cwd=root,
    )


@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize("server", ["pg_admin_url", "mariadb_admin_url"], ids=["postgresql", "mariadb"])
def test_a_migration_that_ends_the_process_is_a_finding(tmp_path, server, ending, request):
    admin_url = request.getfixturevalue(server)
    root = project(tmp_path, ending)
    proc = check(root, admin_url)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "bbbbbbbbbbbb_add_user_name.py" in out and "AG309" in out, out
    assert f"The process running the migrations {EXPECTED[ending]} during the upgrade of `bbbbbbbbbbbb`" in out
    assert "No findings" not in out
    created = set(sigint._CREATED.findall(out))
    assert created, out
    assert sigint.leftovers(admin_url, created, -1) == set()


def test_facts_say_where_the_process_died(tmp_path):
    from alembic_guard import api, settings as settings_mod

    report = api.check(settings_mod.load(project(tmp_path, "os_exit"), select=("AG3",), db="sqlite"))
    died = report.facts["roundtrip"]["died"]
    assert died == {"revision": "bbbbbbbbbbbb", "phase": "upgrade", "how": "exited with status 0"}
    assert [f.code for f in report.findings if f.code != "AG300"] == ["AG309"]
    assert report.facts["roundtrip"]["untested"] == {}  # bbbbbbbbbbbb is the last revision
