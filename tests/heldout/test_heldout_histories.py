"""Real public Alembic histories (tests/heldout/<project>/, sources in README.md).

For each: the static check raises no false error and runs none of the project's code (each env.py
calls sys.exit), and the heads and bases equal Alembic's own `ScriptDirectory`, loaded in a
subprocess where the applications' packages are stubs (they are not installed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alembic_guard import api
from alembic_guard.project import Project
from alembic_guard.settings import load

HERE = Path(__file__).parent

# project -> (packages its revision files import that are not installed, heads, bases, by hand)
PROJECTS = {
    "keystone": (("keystone", "oslo_log"), {"742c857f1dfb", "c88cdce8f248"}, {"27e647c0fad4"}),
    "airflow": (("airflow", "dill"), {"f23433877c24"}, {"e3a246e0dc1"}),
}

# Findings of the graph/meta families each project legitimately has (code, file name).
EXPECTED_GRAPH_FINDINGS = {
    # keystone writes no downgrades anywhere: upgrade-only by policy, so AG108 stays silent (issue 13;
    # it used to fire on each of its 8 revisions)
    "keystone": set(),
    "airflow": {
        ("AG107", "0007_1_6_0_add_dagrun.py"),  # docstring `Revises: 52d714495f0`, variable 502898887f84
        ("AG107", "0028_1_10_0_add_kubernetes_resource_checkpointing.py"),  # docstring Revises: disagrees
        ("AG107", "0029_1_10_0_add_executor_config_to_task_instance.py"),  # Revision ID: and Revises: disagree
        ("AG108", "0008_1_6_0_task_duration.py"),  # downgrade() is `pass`
    },
}

ALEMBIC_SCRIPT = r"""
import importlib.abc, importlib.machinery, json, sys, types
from unittest import mock

STUBS = set(sys.argv[2].split(","))

class Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return mock.MagicMock(name=f"{self.__name__}.{name}")

class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in STUBS:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None
    def create_module(self, spec):
        module = Stub(spec.name)
        module.__path__ = []
        return module
    def exec_module(self, module):
        pass

sys.meta_path.insert(0, Finder())
from alembic.config import Config
from alembic.script import ScriptDirectory

script = ScriptDirectory.from_config(Config(sys.argv[1]))
print(json.dumps({"heads": sorted(script.get_heads()), "bases": sorted(script.get_bases())}))
"""


def alembic_view(root: Path, stubs: tuple[str, ...]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", ALEMBIC_SCRIPT, str(root / "alembic.ini"), ",".join(stubs)],
        capture_output=True, text=True, check=True, cwd=root,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_heads_and_bases_match_alembic(name):
    root = HERE / name
    stubs, heads, bases = PROJECTS[name]
    graph = Project.load(load(root)).graph
    ours = {"heads": sorted(graph.heads), "bases": sorted(graph.bases)}
    assert ours == {"heads": sorted(heads), "bases": sorted(bases)}  # derived by hand
    assert alembic_view(root, stubs) == ours


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_static_check_raises_no_false_error_and_runs_nothing(name):
    root = HERE / name
    report = api.check(load(root))  # env.py calls sys.exit(): importing it would end the test
    graph_family = {(f.code, f.location.path.name) for f in report.findings if f.code[:3] in ("AG0", "AG1")}
    assert graph_family == EXPECTED_GRAPH_FINDINGS[name]


def test_airflow_branch_and_merge_are_read():
    graph = Project.load(load(HERE / "airflow")).graph
    assert set(graph.branch_points) == {"d2ae31099d61"}
    assert set(graph.merge_points) == {"05f30312d566"}
    assert set(graph.parents("05f30312d566")) == {"86770d1215c0", "0e2a74e0fc9f"}


def test_graph_command_lists_both_labelled_heads():
    from click.testing import CliRunner

    from alembic_guard.cli import cli

    result = CliRunner().invoke(cli, ["graph", str(HERE / "keystone"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["heads_by_label"] == {"contract": ["c88cdce8f248"], "expand": ["742c857f1dfb"]}
    assert "migrations/versions/2024.01/expand/" in json.dumps(data["nodes"])  # found recursively


def test_unresolvable_target_metadata_is_explained_in_words():
    report = api.check(load(HERE / "keystone", select=("AG202",)))
    (finding,) = report.findings
    assert "`keystone.common.sql.core.ModelBase.metadata` comes from a module that is not part of the project" in finding.message
    assert "External" not in finding.message


def test_encodings_python_accepts_are_read_like_alembic(tmp_path):
    """CRLF line ends, a UTF-8 BOM, a PEP 263 latin-1 declaration, tabs: Alembic loads them all."""
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (tmp_path / "migrations" / "env.py").write_text("from alembic import context\n")
    (versions / "a1_crlf.py").write_bytes(b'"""crlf\r\n\r\nRevision ID: a1\r\nRevises:\r\n"""\r\nrevision = "a1"\r\ndown_revision = None\r\n')
    (versions / "b2_bom.py").write_bytes(b'\xef\xbb\xbf"""bom\n\nRevision ID: b2\nRevises: a1\n"""\nrevision = "b2"\ndown_revision = ("a1",)\n')
    (versions / "c3_latin1.py").write_bytes(
        '# -*- coding: latin-1 -*-\n"""caf\xe9\n\nRevision ID: c3\nRevises: b2\n"""\nrevision = u"c3"\ndown_revision = u"b2"  # type: str\n'.encode("latin-1"))
    (versions / "d4_tabs.py").write_bytes(b'revision = "d4"\ndown_revision = "c3"\n\ndef upgrade():\n\tpass\n\ndef downgrade():\n\tpass\n')
    graph = Project.load(load(tmp_path)).graph
    ours = {"heads": sorted(graph.heads), "bases": sorted(graph.bases)}
    assert ours == {"heads": ["d4"], "bases": ["a1"]}
    assert alembic_view(tmp_path, ()) == ours
    report = api.check(load(tmp_path, select=("AG0", "AG1")))
    assert [f.code for f in report.findings] == []
