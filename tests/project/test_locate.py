"""Project discovery: the same script and version locations as Alembic's own Config, statically.

Each variant is checked against Alembic itself (`Config` + `ScriptDirectory.from_config`), run
in-process with the current directory set to the project, as `alembic` would be run.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from alembic_guard.errors import ProjectNotFound
from alembic_guard.project import Project
from alembic_guard.project.find import locate
from alembic_guard.settings import Settings

from loadkit import rev, run_cli

V = "versions"


def alembic_view(root: Path, ini: str | None = "alembic.ini", toml: str | None = "pyproject.toml", name: str = "alembic"):
    """(script dir, version locations, recursive) as Alembic sees them, run from `root`."""
    old = os.getcwd()
    os.chdir(root)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cfg = Config(ini if ini and (root / ini).exists() else None, toml_file=toml, ini_section=name)
            sd = ScriptDirectory.from_config(cfg)
            return (
                Path(sd.dir).resolve(),
                tuple(Path(p).resolve() for p in sd._version_locations),
                sd.recursive_version_locations,
                sorted(sd.get_heads()),
            )
    finally:
        os.chdir(old)


def ours(root: Path, **kw):
    layout = locate(Settings(root=root, **kw))
    project = Project.load(Settings(root=root, **kw))
    return (
        layout.script_location.resolve(),
        tuple(p.resolve() for p in layout.version_locations),
        layout.recursive,
        sorted(project.graph.heads),
    )


def ini(body: str) -> str:
    return "[alembic]\n" + body.strip() + "\n"


BASIC = {"migrations/env.py": "", "migrations/versions/a1_x.py": rev("a1")}


@pytest.mark.parametrize(
    "script_location",
    ["%(here)s/migrations", "migrations", "./migrations"],
)
def test_script_location_forms(project, script_location):
    root = project({"alembic.ini": ini(f"script_location = {script_location}"), **BASIC})
    assert ours(root) == alembic_view(root)


SEPARATED = {
    "migrations/env.py": "",
    "migrations/versions/a1_x.py": rev("a1"),
    "plugins/one/b1_x.py": rev("b1", labels=("one",)),
    "plugins/two/c1_x.py": rev("c1", labels=("two",)),
}


@pytest.mark.parametrize(
    "settings",
    [
        "path_separator = os\nversion_locations = %(here)s/migrations/versions:%(here)s/plugins/one:%(here)s/plugins/two",
        "path_separator = space\nversion_locations = %(here)s/migrations/versions %(here)s/plugins/one  %(here)s/plugins/two",
        "path_separator = ;\nversion_locations = %(here)s/migrations/versions; %(here)s/plugins/one;%(here)s/plugins/two",
        "path_separator = newline\nversion_locations =\n    %(here)s/migrations/versions\n    %(here)s/plugins/one\n    %(here)s/plugins/two",
        # deprecated name, still honoured
        "version_path_separator = :\nversion_locations = %(here)s/migrations/versions:%(here)s/plugins/one:%(here)s/plugins/two",
        # path_separator wins over version_path_separator
        "path_separator = ;\nversion_path_separator = :\nversion_locations = migrations/versions;plugins/one;plugins/two",
        # legacy (no separator): commas and spaces
        "version_locations = %(here)s/migrations/versions, %(here)s/plugins/one %(here)s/plugins/two",
        "version_locations = migrations/versions,plugins/one,plugins/two",
    ],
)
def test_version_locations_split_like_alembic(project, settings):
    root = project({"alembic.ini": ini("script_location = %(here)s/migrations\n" + settings), **SEPARATED})
    mine = ours(root)
    assert mine == alembic_view(root)
    assert len(mine[1]) == 3 and mine[3] == ["a1", "b1", "c1"]


def test_legacy_split_does_not_split_newlines_and_we_say_so(project):
    # Alembic's legacy split ignores newlines: the whole value is one (missing) folder
    root = project({"alembic.ini": ini("script_location = migrations\nversion_locations =\n    migrations/versions\n    plugins/one"), **SEPARATED})
    mine, theirs = ours(root), alembic_view(root)
    assert len(mine[1]) == len(theirs[1]) == 1  # one folder named "...versions\nplugins/one"
    assert not mine[1][0].exists() and not theirs[1][0].exists()
    assert mine[3] == theirs[3] == []
    proc = run_cli("check", str(root), "--select", "AG005")
    assert "does not exist; Alembic silently skips it" in proc.stdout, proc.stdout + proc.stderr


def test_invalid_path_separator_is_exit_2(project):
    root = project({"alembic.ini": ini("script_location = migrations\npath_separator = comma\nversion_locations = a,b"), **BASIC})
    proc = run_cli("check", str(root))
    assert proc.returncode == 2 and "not a valid path_separator" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("value,expected", [("true", True), ("True", False), ("false", False), ("1", False)])
def test_recursive_flag_is_alembics_exact_true(project, value, expected):
    root = project({
        "alembic.ini": ini(f"script_location = migrations\nrecursive_version_locations = {value}"),
        "migrations/env.py": "",
        "migrations/versions/a1_x.py": rev("a1"),
        "migrations/versions/2024/b2_x.py": rev("b2", down="a1"),
    })
    mine = ours(root)
    assert mine == alembic_view(root)
    assert mine[2] is expected and mine[3] == (["b2"] if expected else ["a1"])


def test_pyproject_tool_alembic(project):
    root = project({
        "pyproject.toml": '[tool.alembic]\nscript_location = "%(here)s/db"\n'
        'version_locations = ["%(here)s/db/versions", "%(here)s/db/more"]\nrecursive_version_locations = true\n',
        "db/env.py": "",
        "db/versions/a1_x.py": rev("a1"),
        "db/more/deep/b1_x.py": rev("b1", labels=("more",)),
    })
    mine = ours(root)
    assert mine == alembic_view(root, ini=None)
    assert mine[3] == ["a1", "b1"]


def test_ini_and_pyproject_merge_ini_first(project):
    root = project({
        "alembic.ini": "[alembic]\nsqlalchemy.url = postgresql://x/y\n",
        "pyproject.toml": '[tool.alembic]\nscript_location = "%(here)s/migrations"\n',
        **BASIC,
    })
    mine = ours(root)
    assert mine == alembic_view(root)
    layout = locate(Settings(root=root))
    assert layout.sqlalchemy_url == "postgresql://x/y"


def test_package_resource_script_location_resolved_without_import(project, monkeypatch):
    root = project({
        "alembic.ini": ini("script_location = myapp.db:migrations\nprepend_sys_path = ."),
        "myapp/__init__.py": "raise SystemExit('imported!')\n",
        "myapp/db/__init__.py": "",
        "myapp/db/migrations/env.py": "",
        "myapp/db/migrations/versions/a1_x.py": rev("a1"),
    })
    layout = locate(Settings(root=root))
    assert layout.script_location == root / "myapp" / "db" / "migrations"
    assert sorted(Project.load(Settings(root=root)).graph.heads) == ["a1"]


def test_package_resource_not_found_is_exit_2(project):
    root = project({"alembic.ini": ini("script_location = nopkg:migrations"), **BASIC})
    proc = run_cli("graph", str(root))
    assert proc.returncode == 2 and "package 'nopkg' not found" in proc.stderr and "--script-location" in proc.stderr


def test_flask_migrate_layout(project):
    root = project({
        "app.py": "raise SystemExit('the app must not be imported')\n",
        "migrations/alembic.ini": "[alembic]\n# template used to generate migration files\n\n[loggers]\nkeys = root\n",
        "migrations/env.py": "from flask import current_app\n",
        "migrations/versions/a1_x.py": rev("a1"),
        "migrations/versions/b2_x.py": rev("b2", down="a1"),
    })
    layout = locate(Settings(root=root))
    assert layout.script_location == root / "migrations"
    assert layout.ini_path == root / "migrations" / "alembic.ini"
    assert sorted(Project.load(Settings(root=root)).graph.heads) == ["b2"]
    # pointing at the migrations folder itself, or at its alembic.ini, finds the same
    assert locate(Settings(root=root / "migrations")).script_location == root / "migrations"
    assert locate(Settings(root=root, config_file=Path("migrations/alembic.ini"))).script_location == root / "migrations"


def test_several_sections_need_name(project):
    root = project({
        "alembic.ini": "[app]\nscript_location = %(here)s/app\n\n[audit]\nscript_location = %(here)s/audit\n",
        "app/env.py": "",
        "app/versions/a1_x.py": rev("a1"),
        "audit/env.py": "",
        "audit/versions/z1_x.py": rev("z1"),
    })
    assert ours(root, name="audit") == alembic_view(root, name="audit")
    assert ours(root, name="app")[3] == ["a1"]
    with pytest.raises(ProjectNotFound) as info:
        locate(Settings(root=root))
    assert "app, audit" in info.value.hint
    proc = run_cli("graph", str(root), "--name", "audti")
    assert proc.returncode == 2 and "did you mean --name audit" in proc.stderr
    proc = run_cli("graph", str(root), "-n", "audit")
    assert proc.returncode == 0 and "z1" in proc.stdout and "a1" not in proc.stdout


def test_explicit_script_location_and_config_file(project):
    root = project({
        "deploy/prod.ini": "[alembic]\nscript_location = %(here)s/../db\n",
        "db/env.py": "",
        "db/versions/a1_x.py": rev("a1"),
    })
    assert locate(Settings(root=root, script_location="db")).script_location == root / "db"
    layout = locate(Settings(root=root, config_file=root / "deploy" / "prod.ini"))
    assert layout.script_location.resolve() == (root / "db").resolve()
    proc = run_cli("graph", str(root), "-c", str(root / "deploy" / "prod.ini"))
    assert proc.returncode == 0 and "a1" in proc.stdout
    proc = run_cli("graph", str(root), "--script-location", "db")
    assert proc.returncode == 0 and "a1" in proc.stdout


def test_config_file_may_be_pyproject(project):
    root = project({"conf/pyproject.toml": '[tool.alembic]\nscript_location = "%(here)s/../db"\n', "db/env.py": "", "db/versions/a1_x.py": rev("a1")})
    layout = locate(Settings(root=root, config_file=root / "conf" / "pyproject.toml"))
    assert layout.script_location.resolve() == (root / "db").resolve()


def test_nothing_found_names_what_was_searched(tmp_path):
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2
    assert "no Alembic project found" in proc.stderr
    for searched in ("alembic.ini", "pyproject.toml", "migrations/env.py"):
        assert searched in proc.stderr
    assert "-c FILE" in proc.stderr and "--script-location" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not a UTF-8 text file"),
        (b"this is not an ini file\n", "not a valid ini file"),
        (b"[alembic]\nscript_location = a\n[alembic]\nx = 1\n", "not a valid ini file"),
    ],
)
def test_bad_ini_is_exit_2_with_file(project, content, needle):
    root = project({"alembic.ini": content, **BASIC})
    proc = run_cli("check", str(root))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert needle in proc.stderr and "alembic.ini" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_script_location_dir_is_exit_2(project):
    root = project({"alembic.ini": ini("script_location = %(here)s/nope")})
    proc = run_cli("check", str(root))
    assert proc.returncode == 2 and "is not a directory" in proc.stderr
