"""Static commands execute none of the analysed project's code; --import runs it, contained.

A revision file that would exit, write a file or hang when imported is harmless to `check` and
`graph`: the file is never written and the run finishes with its normal exit code.
"""

from __future__ import annotations

import json

import pytest

from loadkit import rev, run_cli

INI = "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = .\n"


@pytest.fixture
def hostile(project, tmp_path):
    pwned = tmp_path / "pwned"
    root = project({
        "alembic.ini": INI,
        "migrations/env.py": f"open({str(pwned)!r} + '-env', 'w')\n",
        "myapp/__init__.py": f"open({str(pwned)!r} + '-app', 'w')\n",
        "myapp/ids.py": f"open({str(pwned)!r} + '-ids', 'w')\nBASE = 'a1'\n",
        "migrations/versions/a1_base.py": "from myapp.ids import BASE\n" + rev("a1").replace("revision = 'a1'", "revision = BASE"),
        "migrations/versions/b2_exit.py": "import sys\nsys.exit(3)\n" + rev("b2", down="a1"),
        "migrations/versions/c3_write.py": f"open({str(pwned)!r}, 'w').write('owned')\n" + rev("c3", down="b2"),
        "migrations/versions/d4_hang.py": "while True:\n    pass\n" + rev("d4", down="c3"),
        "migrations/versions/e5_print.py": "print('garbage on stdout')\nimport os\n" + rev("e5", down="d4"),
    })
    return root, pwned


def written(pwned):
    return sorted(p.name for p in pwned.parent.iterdir() if p.name.startswith("pwned"))


@pytest.mark.parametrize("command", [["check"], ["check", "--format", "json"], ["graph"], ["graph", "--format", "json"]])
def test_static_commands_execute_nothing(hostile, command):
    root, pwned = hostile
    proc = run_cli(*command, str(root), timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert written(pwned) == []
    if command[0] == "graph":
        assert "e5" in proc.stdout  # the whole chain was read, constants included


def test_import_mode_runs_files_contained(hostile):
    root, pwned = hostile
    proc = run_cli("check", str(root), "--import", "--import-timeout", "3", "--format", "json", "--select", "AG0,AG1", timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    by_file = {f["location"]["path"]: f for f in findings if f["code"] == "AG003"}
    assert "SystemExit: 3" in by_file["migrations/versions/b2_exit.py"]["message"]
    assert by_file["migrations/versions/b2_exit.py"]["location"]["line"] == 2
    assert "did not finish loading within 3 s" in by_file["migrations/versions/d4_hang.py"]["message"]
    assert "migrations/versions/e5_print.py" not in by_file  # its print did not corrupt anything
    assert "pwned" in written(pwned)  # --import really executed the files: it says so in --help
