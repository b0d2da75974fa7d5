"""`alembic-guard graph` in every format, through the CLI."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from alembic_guard.cli import cli


def graph(samples, name, fmt):
    result = CliRunner().invoke(cli, ["graph", str(samples / name), "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_text_lists_heads_bases_and_points(samples):
    out = graph(samples, "two_heads", "text")
    assert out.startswith("3 revisions\n")
    heads = out.split("heads (2):\n")[1].split("bases")[0]
    assert "bbbbbbbbbbbb" in heads and "cccccccccccc" in heads and "add user phone" in heads
    assert "branch points (1):\n  aaaaaaaaaaaa" in out


def test_json_is_complete_and_parseable(samples):
    data = json.loads(graph(samples, "expand_contract", "json"))
    assert data["version"] == 1
    assert data["heads"] == ["c1c1c1c1c1c1", "e2e2e2e2e2e2"]
    assert data["heads_by_label"] == {"contract": ["c1c1c1c1c1c1"], "expand": ["e2e2e2e2e2e2"]}
    assert [n["id"] for n in data["nodes"]] == ["aaaaaaaaaaaa", "c1c1c1c1c1c1", "e1e1e1e1e1e1", "e2e2e2e2e2e2"] or \
        [n["id"] for n in data["nodes"]][0] == "aaaaaaaaaaaa"
    c1 = next(n for n in data["nodes"] if n["id"] == "c1c1c1c1c1c1")
    assert c1["depends_on"] == ["e1e1e1e1e1e1"] and c1["branch_labels"] == ["contract"]


def test_json_reports_defects(samples):
    data = json.loads(graph(samples, "missing_parent", "json"))
    assert data["dangling"] == [{"revision": "cccccccccccc", "missing": "bbbbbbbbbbbb"}]
    data = json.loads(graph(samples, "cycle", "json"))
    assert data["cycles"] == [["bbbbbbbbbbbb", "cccccccccccc"]]


def test_mermaid_has_every_edge_and_marks_heads(samples):
    out = graph(samples, "two_heads", "mermaid")
    assert out.startswith("flowchart BT\n")
    assert "r_aaaaaaaaaaaa --> r_bbbbbbbbbbbb" in out and "r_aaaaaaaaaaaa --> r_cccccccccccc" in out
    assert re.search(r"class r_bbbbbbbbbbbb,r_cccccccccccc head", out)


def test_mermaid_shows_missing_parent_and_depends_on(samples):
    assert "missing: bbbbbbbbbbbb" in graph(samples, "missing_parent", "mermaid")
    assert "depends_on" in graph(samples, "expand_contract", "mermaid")


def test_dot_is_a_digraph_with_edges(samples):
    out = graph(samples, "two_heads", "dot")
    assert out.startswith("digraph revisions {") and out.rstrip().endswith("}")
    assert '"aaaaaaaaaaaa" -> "bbbbbbbbbbbb";' in out


@pytest.mark.parametrize("fmt", ["text", "mermaid", "dot", "json"])
def test_graph_on_a_cycle_never_fails(samples, fmt):
    assert graph(samples, "cycle", fmt)


def test_json_node_lines_are_exactly_json_dumps(tmp_path):
    """render_json assembles each node line from escaped strings: it must write exactly what
    json.dumps(node) writes, for awkward ids, labels, messages and paths too."""
    import io
    from pathlib import PurePosixPath

    from alembic_guard.findings import Location
    from alembic_guard.graph import RevisionGraph, render
    from alembic_guard.graph.revision import Revision

    revs = [
        Revision("base", (), (), frozenset(), Location(PurePosixPath("v/base.py")), None),
        Revision('q"uote\\', ("base",), (), frozenset({"zeta", "älpha", "a\nb"}), Location(PurePosixPath("v/ü.py")), "mess\tage \u2603 \U0001f600"),
        Revision("merge", ("base", 'q"uote\\'), ("base",), frozenset(), None, ""),
    ]

    class P:
        graph = RevisionGraph.build(revs)

    out = io.StringIO()
    render.render_json(P, out)
    data = json.loads(out.getvalue())
    lines = out.getvalue().split('"nodes": [\n')[1].split("\n  ]")[0].split(",\n")
    assert len(lines) == len(data["nodes"]) == 3
    for line, node in zip(lines, data["nodes"]):
        assert line == "    " + json.dumps(node)
    assert next(n for n in data["nodes"] if n["id"] == 'q"uote\\')["branch_labels"] == sorted({"zeta", "älpha", "a\nb"})


def test_files_that_could_not_be_read_are_listed_not_dropped(samples, tmp_path):
    """A revision file that does not parse is not in the graph; `graph` says so instead of
    silently drawing a history without it."""
    import shutil

    project = tmp_path / "p"
    shutil.copytree(samples / "two_heads", project, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    (project / "migrations" / "versions" / "dddd_broken.py").write_text('revision = "dddd"\ndown_revision = (\n')
    text = graph(tmp_path, "p", "text")
    assert "not in the graph (1;" in text and "dddd_broken.py" in text and "3 revisions" in text
    data = json.loads(graph(tmp_path, "p", "json"))
    assert [p["kind"] for p in data["problems"]] == ["syntax"]
    assert data["problems"][0]["path"].endswith("dddd_broken.py")
    assert json.loads(graph(samples, "two_heads", "json"))["problems"] == []
