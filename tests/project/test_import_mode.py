"""--import: values static reading cannot resolve come from Alembic's own loader."""

from __future__ import annotations

import json

from loadkit import rev, run_cli

INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def test_import_resolves_what_static_reading_cannot(project):
    root = project({
        "alembic.ini": INI,
        "migrations/env.py": "",
        "migrations/versions/a1_base.py": rev("a1"),
        "migrations/versions/b2_dyn.py": "import os\n" + rev("b2", down="a1").replace("revision = 'b2'", "revision = os.environ.get('NOPE', 'b2')"),
        "migrations/versions/c3_next.py": rev("c3", down="b2"),
    })
    static = run_cli("check", str(root), "--format", "json", "--select", "AG0,AG1")
    codes = sorted(f["code"] for f in json.loads(static.stdout)["findings"])
    assert "AG004" in codes and "AG102" in codes  # b2 unknown: c3's parent looks missing
    imported = run_cli("check", str(root), "--format", "json", "--select", "AG0,AG1", "--import")
    assert json.loads(imported.stdout)["findings"] == [], imported.stdout
    assert imported.returncode == 0


def test_import_reports_application_imports(project):
    root = project({
        "alembic.ini": INI,
        "migrations/env.py": "",
        "migrations/versions/a1_base.py": "from myapp.models import User  # not installed\n" + rev("a1"),
    })
    proc = run_cli("check", str(root), "--format", "json", "--select", "AG003", "--import")
    (f,) = json.loads(proc.stdout)["findings"]
    assert f["location"]["line"] == 1 and "ModuleNotFoundError: No module named 'myapp'" in f["message"]
