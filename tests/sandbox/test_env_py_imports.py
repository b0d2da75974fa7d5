"""env.py imports like the user's own `alembic upgrade` (issue 11.3).

Alembic puts `prepend_sys_path` on sys.path as written, so relative entries resolve from the
working directory (`alembic` runs in the folder of alembic.ini); the project root itself is NOT
on sys.path for the `alembic` command. When env.py (or a revision file) imports a project module
that is not importable that way, the report says which prepend_sys_path entry fixes it, computed
from where the module is. Module names are unique per test: nothing may come from sys.modules.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from alembic_guard import api, settings as settings_mod
from alembic_guard.cli import cli

ENV_PY = '''
from alembic import context
from sqlalchemy import engine_from_config, pool
{imports}

config = context.config
target_metadata = Base.metadata


def run_migrations_online():
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(config.get_section(config.config_ini_section, {{}}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''
MODELS = '''
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"
    id = sa.Column(sa.Integer, primary_key=True)
'''
REVISION = '''
revision = "a1"
down_revision = None
from alembic import op
import sqlalchemy as sa
{imports}

def upgrade():
    op.create_table("item", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    op.drop_table("item")
'''


def project(tmp_path: Path, *, module_at: str, import_line: str, ini_extra: str = "", ini_dir: str = ".",
            revision_imports: str = "") -> Path:
    """alembic.ini in `ini_dir`, migrations beside it, the models module at `module_at`."""
    root = tmp_path / "repo"
    ini_folder = root / ini_dir
    (ini_folder / "migrations/versions").mkdir(parents=True)
    (ini_folder / "alembic.ini").write_text(
        f"[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n{ini_extra}\n"
    )
    (ini_folder / "migrations/env.py").write_text(ENV_PY.format(imports=import_line))
    (ini_folder / "migrations/versions/a1_item.py").write_text(REVISION.format(imports=revision_imports))
    module = root / module_at
    module.parent.mkdir(parents=True, exist_ok=True)
    if module.parent != root and module.parent.name != "src":  # a package (src/ itself is not one)
        (module.parent / "__init__.py").touch()
    module.write_text(MODELS)
    return ini_folder


def check(folder: Path, **overrides):
    return api.check(settings_mod.load(folder, select=("AG3", "AG203"), db="sqlite", **overrides))


def test_env_py_importing_a_root_module_says_prepend_sys_path_dot(tmp_path):
    name = f"models_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"{name}.py", import_line=f"from {name} import Base")
    report = check(folder)
    ag301 = [f for f in report.findings if f.code == "AG301"]
    assert len(ag301) == 1, report.findings  # one finding, not one per revision
    f = ag301[0]
    assert str(f.location.path) == "migrations/env.py"
    assert f"No module named '{name}'" in f.message
    assert "add `prepend_sys_path = .` to [alembic] of alembic.ini" in f.hint
    assert f"`{name}` ({name}.py)" in f.hint
    # the summary does not claim a walk that never happened
    rt = report.facts["roundtrip"]
    assert [s["phase"] for s in rt["steps"]] == ["env"]


def test_module_in_a_src_layout_names_that_folder(tmp_path):
    pkg = f"shop_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"src/{pkg}/models.py", import_line=f"from {pkg}.models import Base")
    report = check(folder)
    (f,) = [f for f in report.findings if f.code == "AG301"]
    assert "add `prepend_sys_path = src` to [alembic] of alembic.ini" in f.hint
    assert "pip install -e ." not in f.hint  # nothing to install: no pyproject.toml / setup.py
    (tmp_path / "repo/pyproject.toml").write_text('[project]\nname = "shop"\n')
    (f,) = [f for f in check(folder).findings if f.code == "AG301"]
    assert "add `prepend_sys_path = src`" in f.hint and "`pip install -e .`" in f.hint


def test_ini_in_a_subfolder_gets_a_path_relative_to_its_folder(tmp_path):
    """`alembic` runs where alembic.ini is (backend/): a module at the repository root is `..`."""
    name = f"models_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"{name}.py", import_line=f"from {name} import Base", ini_dir="backend")
    report = api.check(settings_mod.load(folder.parent, select=("AG3",), db="sqlite", config_file=folder / "alembic.ini"))
    (f,) = [f for f in report.findings if f.code == "AG301"]
    assert "prepend_sys_path = .." in f.hint
    # following the hint makes it pass
    ini = folder / "alembic.ini"
    ini.write_text(ini.read_text() + "prepend_sys_path = ..\n")
    fixed = api.check(settings_mod.load(folder.parent, select=("AG3",), db="sqlite", config_file=ini))
    assert fixed.findings == ()


@pytest.mark.parametrize("entry", [".", "%(here)s"])
def test_prepend_sys_path_makes_it_pass_and_drift_is_computed(tmp_path, entry):
    name = f"models_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"{name}.py", import_line=f"from {name} import Base",
                     ini_extra=f"prepend_sys_path = {entry}")
    report = check(folder)
    assert report.findings == ()
    assert report.skipped == () or all("AG203" not in s.codes for s in report.skipped)
    assert report.exit_code() == 0


def test_existing_prepend_sys_path_is_kept_in_the_suggestion(tmp_path):
    pkg = f"shop_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"src/{pkg}/models.py", import_line=f"from {pkg}.models import Base",
                     ini_extra="prepend_sys_path = .")
    (f,) = [f for f in check(folder).findings if f.code == "AG301"]
    assert "add `prepend_sys_path = . src`" in f.hint


def test_a_missing_third_party_package_keeps_the_generic_hint(tmp_path):
    name = f"models_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"{name}.py", import_line=f"import not_installed_{secrets.token_hex(3)}\nfrom {name} import Base",
                     ini_extra="prepend_sys_path = .")
    (f,) = [f for f in check(folder).findings if f.code == "AG301"]
    assert "prepend_sys_path" not in f.hint


def test_revision_file_importing_a_project_module_is_a_visible_incomplete_skip(tmp_path):
    """A revision file that cannot be imported stops Alembic from loading the history: the round
    trip is skipped with the fix in the reason, and the run is not clean (exit 2)."""
    name = f"helpers_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"{name}.py", import_line=f"from {name} import Base",
                     revision_imports=f"import {name}")
    report = check(folder)
    skip = next(s for s in report.skipped if "AG301" in s.codes)
    assert skip.incomplete
    assert "prepend_sys_path = ." in skip.reason
    assert report.exit_code() == 2
    result = CliRunner().invoke(cli, ["check", str(folder), "--select", "AG3", "--db", "sqlite", "--no-cache"])
    assert result.exit_code == 2, result.output
    assert "Not clean" in result.output


def test_config_file_with_script_location_keeps_the_ini_options(tmp_path):
    """`-c alembic.ini --script-location DIR`: env.py still reads its ini options."""
    name = f"models_{secrets.token_hex(3)}"
    folder = project(tmp_path, module_at=f"{name}.py", import_line=f"from {name} import Base",
                     ini_extra="prepend_sys_path = .\nrequired_option = yes")
    # a second tree (the one --script-location names) whose env.py needs the ini's option
    other = folder / "db_migrations"
    (other / "versions").mkdir(parents=True)
    env = 'from alembic import context\nassert context.config.get_main_option("required_option") == "yes", "alembic.ini was not read"\n'
    env += (folder / "migrations/env.py").read_text()
    (other / "env.py").write_text(env)
    (other / "versions/a1_item.py").write_text(REVISION.format(imports=""))
    result = CliRunner().invoke(cli, ["check", str(folder), "-c", str(folder / "alembic.ini"), "--script-location", "db_migrations",
                                      "--select", "AG3", "--db", "sqlite", "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["findings"] == []
    assert [s["phase"] for s in doc["facts"]["roundtrip"]["steps"]] == ["upgrade", "downgrade", "reupgrade"]
    # without -c the ini is not read: the assertion in env.py fails, as it would for `alembic` without the ini
    bare = CliRunner().invoke(cli, ["check", str(folder), "--script-location", "db_migrations",
                                    "--select", "AG301", "--db", "sqlite", "--no-cache"])
    assert bare.exit_code == 1 and "alembic.ini was not read" in bare.output
