"""Revision-map errors Alembic raises (issues 17.11 and 12.7), compared with Alembic itself.

Each case is written as a real script directory; the test (never the tool) runs Alembic's own
`heads` and `history` commands in-process on it to learn what Alembic does, then checks that
`alembic-guard check` reports it with the expected AG1xx/AG003 code, and that the revision graph
stays total (every defect recorded as data, nothing raised).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from alembic_guard import api, settings as settings_mod
from alembic_guard.findings import Severity
from alembic_guard.graph.revision import Revision
from alembic_guard.graph.revision_graph import RevisionGraph

INI = "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite://\n"
ENV = "from alembic import context\n"  # never run: heads/history only read the revision files


def header(rev, down=None, labels=None, depends=None, extra: str = "") -> str:
    return (
        f'"""r {rev}"""\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels!r}\ndepends_on = {depends!r}\n"
        f"{extra}\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )


def write(root: Path, files: dict[str, str]) -> Path:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(INI)
    (root / "migrations" / "env.py").write_text(ENV)
    (root / "migrations" / "script.py.mako").write_text("${message}\n")
    for name, text in files.items():
        (root / "migrations" / "versions" / f"{name}.py").write_text(text)
    return root


def alembic_outcome(root: Path) -> tuple[str | None, tuple[str, ...]]:
    """(the exception Alembic's `heads --verbose` / `history` raise, else None; heads otherwise)."""
    import warnings

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(root / "alembic.ini"), stdout=io.StringIO())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            command.heads(cfg, verbose=True)
            command.history(cfg)
            heads = ScriptDirectory.from_config(cfg).get_heads()
    except Exception as exc:  # noqa: BLE001 - which one is the point of the test
        return type(exc).__name__, ()
    return None, tuple(sorted(heads))


CASES = {
    # name: (files, what Alembic raises, our code, our severity)
    "depends-on-self": ({"a": header("a", depends="a")}, "DependencyLoopDetected", "AG103", Severity.ERROR),
    "depends-on-own-label": ({"a": header("a", labels=("x",), depends="x")}, "DependencyCycleDetected", "AG103", Severity.ERROR),
    "depends-on-cycle": (
        {"a": header("a", depends="b"), "b": header("b", down="a")}, "DependencyCycleDetected", "AG103", Severity.ERROR,
    ),
    "depends-on-cycle-via-label": (
        {"a": header("a"), "b": header("b", down="a", labels=("lb",)), "c": header("c", down="b", depends="a"),
         "d": header("d", down="c", depends=("lb", "b"))},
        None, None, None,  # a legal DAG with dependencies: no finding (the silent case)
    ),
    "depends-on-three-cycle": (
        {"a": header("a"), "b": header("b", down="a", depends="c"), "c": header("c", down="b")},
        "DependencyCycleDetected", "AG103", Severity.ERROR,
    ),
    "label-is-another-revision-id": (
        {"a": header("a", labels=("b",)), "b": header("b", down="a")}, "RevisionError", "AG110", Severity.ERROR,
    ),
    "label-is-own-id": ({"a": header("a", labels=("a",))}, "RevisionError", "AG110", Severity.ERROR),
    "label-repeated-in-one-revision": ({"a": header("a", labels=("x", "x"))}, "RevisionError", "AG110", Severity.ERROR),
    "label-not-a-string": ({"a": header("a", labels=5)}, "TypeError", "AG112", Severity.ERROR),
    "label-tuple-with-int": ({"a": header("a", labels=("x", 5))}, "TypeError", "AG112", Severity.ERROR),
    "down-revision-empty": ({"a": header("a", down="")}, "KeyError", "AG112", Severity.ERROR),
    "down-revision-empty-in-tuple": (
        {"a": header("a"), "b": header("b", down=("a", ""))}, "KeyError", "AG112", Severity.ERROR,
    ),
    "depends-on-empty": ({"a": header("a", depends="")}, "DependencyCycleDetected", "AG112", Severity.ERROR),
    "depends-on-empty-in-tuple": (
        {"a": header("a"), "b": header("b", down="a", depends=("a", ""))}, "KeyError", "AG112", Severity.ERROR,
    ),
    "down-revision-not-a-string": ({"a": header("a"), "b": header("b", down=5)}, "TypeError", "AG112", Severity.ERROR),
    "depends-on-not-a-string": ({"a": header("a"), "b": header("b", down="a", depends=5)}, "KeyError", "AG112", Severity.ERROR),
    "label-none-in-tuple": ({"a": header("a", labels=("x", None))}, "TypeError", "AG112", Severity.ERROR),
    "label-empty": ({"a": header("a", labels=("",))}, None, "AG112", Severity.WARNING),  # Alembic tolerates it
    # (a file name that is not hex: Alembic would take `a.py`'s name as a legacy revision id)
    "del-revision": ({"zz_deleted": header("a", extra="del revision")}, "CommandError", "AG003", Severity.ERROR),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_we_report_what_alembic_raises(tmp_path, name):
    files, alembic_raises, code, severity = CASES[name]
    root = write(tmp_path, files)
    raised, _ = alembic_outcome(root)
    assert raised == alembic_raises, f"Alembic itself: expected {alembic_raises}, got {raised}"
    report = api.check(settings_mod.load(root, select=("AG1", "AG003")))
    found = [(f.code, f.severity) for f in report.findings]
    if code is None:
        assert found == [], [(f.code, f.message) for f in report.findings]
        return
    assert (code, severity) in found, [(f.code, f.message) for f in report.findings]
    message = next(f.message for f in report.findings if f.code == code)
    if alembic_raises and code != "AG003":
        assert alembic_raises in message, message  # the finding names what Alembic raises


def test_down_revision_empty_string_is_no_longer_a_silent_base(tmp_path):
    root = write(tmp_path, {"a": header("a", down="")})
    report = api.check(settings_mod.load(root, select=("AG1",)))
    (finding,) = [f for f in report.findings if f.code == "AG112"]
    assert "KeyError: ''" in finding.message and "down_revision" in finding.message
    assert "None" in (finding.hint or "")
    assert finding.location.line == 2


@pytest.mark.parametrize("extra, expect_heads", [
    ("revision += '3'", ("a3",)),  # b revises "a3": one history, one head
    ("revision = revision + '3'", ("a3",)),
])
def test_rebinding_the_revision_id_is_read_like_python(tmp_path, extra, expect_heads):
    root = write(tmp_path, {"a3_rebound": header("a", extra=extra), "b": header("b", down="a3")})
    raised, heads = alembic_outcome(root)
    assert raised is None and heads == ("b",)
    report = api.check(settings_mod.load(root, select=("AG1", "AG003", "AG004")))
    assert [f.code for f in report.findings] == [], [(f.code, f.message) for f in report.findings]


def test_rebinding_after_the_first_function_takes_the_slow_path(tmp_path):
    text = header("a") + "\nrevision += '3'\n"
    root = write(tmp_path, {"a3_rebound": text, "b": header("b", down="a3")})
    assert alembic_outcome(root) == (None, ("b",))
    report = api.check(settings_mod.load(root, select=("AG1", "AG003", "AG004")))
    assert [f.code for f in report.findings] == [], [(f.code, f.message) for f in report.findings]


def test_deleting_the_revision_after_the_first_function(tmp_path):
    root = write(tmp_path, {"zz_deleted": header("a") + "\ndel revision\n"})
    assert alembic_outcome(root)[0] == "CommandError"
    report = api.check(settings_mod.load(root, select=("AG1", "AG003")))
    assert "AG003" in [f.code for f in report.findings]


def test_graph_stays_total_on_every_defect():
    revs = [
        Revision("a", (), ("a",), frozenset({"b", "a"}), defects=(("down_revision", "empty", "''"),)),
        Revision("b", ("a",), ("c",)),
        Revision("c", ("b",), ("zz", "lbl")),
        Revision("d", ("d",), (), frozenset({"lbl"})),
    ]
    graph = RevisionGraph.build(revs)
    assert graph.dependency_cycles == (("a",), ("b", "c"))
    assert graph.label_collisions == (("a", "a"), ("a", "b"))
    assert graph.header_defects == (("a", "down_revision", "empty", "''"),)
    assert graph.cycles == (("d",),)
    assert graph.unknown_depends_on == (("c", "zz"),)


def test_graph_command_shows_every_defect(tmp_path):
    import json
    import subprocess
    import sys

    root = write(tmp_path, {"a": header("a", labels=("b",)), "b": header("b", down="a", depends="c"), "c": header("c", down="b"),
                            "d": header("d", down="")})
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "graph", str(root), "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    data = json.loads(proc.stdout)
    assert data["dependency_cycles"] == [["b", "c"]]
    assert data["labels_that_are_revision_ids"] == [{"revision": "a", "label": "b"}]
    assert data["invalid_identifiers"] == [{"revision": "d", "field": "down_revision", "problem": "empty", "value": "''"}]
    text = subprocess.run([sys.executable, "-m", "alembic_guard", "graph", str(root)], capture_output=True, text=True, timeout=60).stdout
    assert "depends_on cycles: [[\"b\", \"c\"]]" in text and "invalid identifiers" in text
