"""Oracle: what we read statically equals what Alembic's own ScriptDirectory loads.

For every sample project whose revision files import only alembic / sqlalchemy / typing (so that
Alembic can load them here), and for a generated history with every header style, compare per
revision: (down_revisions, branch_labels, depends_on) and the heads. Alembic runs in-process in
the test (tests may import the samples; the product never does).
"""

from __future__ import annotations

import ast
import os
import shlex
import sys
import warnings
from pathlib import Path

import pytest
from alembic import util as alembic_util
from alembic.config import Config
from alembic.script import ScriptDirectory

from alembic_guard.project import Project
from alembic_guard.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_projects"
SAFE_IMPORTS = {"alembic", "sqlalchemy", "typing", "__future__"}
sys.path.insert(0, str(REPO / "benchmarks"))


@pytest.fixture(autouse=True)
def _alembic_leaves_no_trace():
    """Alembic's loader prepends `prepend_sys_path` entries (`.`) to sys.path and imports the revision
    files (and what they import) into sys.modules: undo both, so a later test's env.py does not find
    another project's `models` through a stray `.` entry or a cached module."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:  # only the projects' own modules (libraries stay imported)
        origin = getattr(sys.modules[name], "__file__", None) or ""
        if origin and not origin.startswith((sys.prefix, sys.base_prefix, str(REPO / "alembic_guard"))):
            del sys.modules[name]
    sys.path_importer_cache.clear()


def name_arg(sample: Path) -> str:
    args = sample / "expected" / "args.txt"
    words = shlex.split(args.read_text()) if args.is_file() else []
    for flag in ("--name", "-n"):
        if flag in words:
            return words[words.index(flag) + 1]
    return "alembic"


def only_safe_imports(project: Project) -> bool:
    for mig in project.migrations:
        for node in ast.walk(mig.tree):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] not in SAFE_IMPORTS for a in node.names):
                return False
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] not in SAFE_IMPORTS):
                return False
    return True


def alembic_revisions(root: Path, name: str, layout) -> tuple[dict, list[str]]:
    old = os.getcwd()
    os.chdir(root)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if (root / "alembic.ini").is_file():
                cfg = Config("alembic.ini", ini_section=name)
            else:  # Flask-Migrate: its alembic.ini has no script_location; Flask-Migrate sets it in code
                cfg = Config(str(layout.ini_path) if layout.ini_path else None)
                cfg.set_main_option("script_location", str(layout.script_location))
            sd = ScriptDirectory.from_config(cfg)
            out = {
                s.revision: (
                    tuple(sorted(alembic_util.to_tuple(s.down_revision, default=()))),
                    frozenset(s._orig_branch_labels),  # declared, not inherited
                    tuple(sorted(alembic_util.to_tuple(s.dependencies, default=()))),
                )
                for s in sd.walk_revisions(base="base", head="heads")
            }
            return out, sorted(sd.get_heads())
    finally:
        os.chdir(old)


def ours(project: Project) -> tuple[dict, list[str]]:
    out = {}
    for mig in project.migrations:
        r = mig.to_revision()
        out[r.id] = (tuple(sorted(r.down_revisions)), r.branch_labels, tuple(sorted(r.depends_on)))
    return out, sorted(project.graph.heads)


def loadable_samples() -> list[Path]:
    out = []
    for sample in sorted(p for p in SAMPLES.iterdir() if p.is_dir()):
        try:
            project = Project.load(Settings(root=sample, name=name_arg(sample)))
        except Exception:  # noqa: BLE001 - a sample we cannot locate is not an oracle case
            continue
        graph = project.graph
        if project.problems or graph.cycles or graph.duplicates or graph.dangling or not only_safe_imports(project):
            continue  # Alembic refuses broken histories; those are the graph tests' business
        out.append(sample)
    return out


SAMPLE_CASES = loadable_samples()


def test_oracle_covers_the_layout_samples():
    names = {p.name for p in SAMPLE_CASES}
    assert {"healthy", "flask_migrate", "multi_locations", "several_trees", "irreversible"} <= names


@pytest.mark.parametrize("sample", SAMPLE_CASES, ids=lambda p: p.name)
def test_static_loading_equals_alembic(sample):
    name = name_arg(sample)
    project = Project.load(Settings(root=sample, name=name))
    assert ours(project) == alembic_revisions(sample, name, project.layout)


def test_generated_history_equals_alembic(tmp_path):
    from gen_history import generate

    facts = generate(tmp_path / "gen", n=400, seed=11)
    project = Project.load(Settings(root=tmp_path / "gen"))
    mine = ours(project)
    assert mine == alembic_revisions(tmp_path / "gen", "alembic", project.layout)
    assert mine[1] == facts["heads"] and len(mine[0]) == facts["revisions"]
