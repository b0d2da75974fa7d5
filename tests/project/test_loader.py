"""Static revision loading: header forms, the fast path against ast, constants, laziness."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path, PurePosixPath

from hypothesis import given, settings, strategies as st

from alembic_guard.project import Project
from alembic_guard.project.constants import ConstantResolver
from alembic_guard.project.header import fast_header
from alembic_guard.project.migration import parse_migration
from alembic_guard.settings import Settings
from alembic_guard.testing import check_files
from loadkit import rev

INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def slow(source: str, resolver=None):
    mig = parse_migration(Path("x.py"), PurePosixPath("x.py"), source, ast.parse(source), resolver)
    return mig.values, mig.lines, ast.get_docstring(ast.parse(source), clean=False)


def load(project, files):
    root = project({"alembic.ini": INI, "migrations/env.py": "", **files})
    return Project.load(Settings(root=root))


def test_header_forms(project):
    p = load(project, {
        "migrations/versions/a_plain.py": 'revision = "a"\ndown_revision = None\n',
        "migrations/versions/b_annotated.py": 'from typing import Sequence, Union\nrevision: str = "b"\n'
        'down_revision: Union[str, Sequence[str], None] = "a"\nbranch_labels: Union[str, Sequence[str], None] = ("x",)\n',
        "migrations/versions/c_tuple.py": "revision = 'c'\ndown_revision = ('a', 'b')\ndepends_on = ['a']\n",
        "migrations/versions/d_list.py": "revision = 'd'\ndown_revision = ['c']\nbranch_labels = 'lbl'\n",
        "migrations/versions/e_late.py": "def upgrade():\n    pass\n\nrevision = 'e'\ndown_revision = 'd'\n",
    })
    by = {m.revision_id: m for m in p.migrations}
    assert by["a"].values == {"revision": "a", "down_revision": None}
    assert by["b"].values["branch_labels"] == ("x",) and by["b"].lines == {"revision": 2, "down_revision": 3, "branch_labels": 4}
    assert by["c"].to_revision().down_revisions == ("a", "b") and by["c"].to_revision().depends_on == ("a",)
    assert by["d"].to_revision().branch_labels == frozenset({"lbl"})
    assert by["e"].lines["revision"] == 4 and by["e"].to_revision().down_revisions == ("d",)
    assert p.graph.heads == ("e",)


def test_docstring_message_and_headers(project):
    p = load(project, {"migrations/versions/abc_x.py": rev("abc", down="zzz", message="add the email column")})
    (m,) = p.migrations
    assert m.message == "add the email column"
    assert m.docstring_revision_id == "abc" and m.docstring_revises == ("zzz",)
    assert m.location(m.lines["revision"]).line == 9


def test_tree_and_functions_are_lazy(project):
    p = load(project, {"migrations/versions/a_x.py": rev("a"), "migrations/versions/b_x.py": rev("b", down="a")})
    p.graph  # the graph needs the header only
    assert not any("tree" in m.__dict__ for m in p.migrations)
    m = p.migrations[0]
    assert set(m.functions) == {"upgrade", "downgrade"} and "tree" in m.__dict__
    assert m.function("upgrade").lineno == 15


def test_constants_concatenation_and_fstrings(project):
    p = load(project, {
        "migrations/versions/a_x.py": 'PREFIX = "20240101"\nrevision = PREFIX + "_a"\ndown_revision = None\n',
        "migrations/versions/b_x.py": 'P = "20240101"\nrevision = f"{P}_b"\ndown_revision = (P + "_a",)\n',
    })
    assert sorted(m.revision_id for m in p.migrations) == ["20240101_a", "20240101_b"]
    assert p.graph.heads == ("20240101_b",)


def test_constants_imported_from_project_modules_without_importing_them(project, tmp_path):
    marker = tmp_path / "imported"
    p = load(project, {
        "myapp/__init__.py": f"open({str(marker)!r}, 'w')\n",
        "myapp/ids.py": f"open({str(marker)!r}, 'w')\nfrom myapp.base import ROOT\nBASE = ROOT + '0'\nNEXT: str = 'n1'\n",
        "myapp/base.py": "ROOT = 'r'\n",
        "migrations/versions/a_x.py": "from myapp.ids import BASE\nrevision = BASE\ndown_revision = None\n",
        "migrations/versions/b_x.py": "import myapp.ids as ids\nrevision = ids.NEXT\ndown_revision = ids.BASE\n",
        "migrations/versions/c_x.py": "from myapp import ids\nrevision = 'c1'\ndown_revision = ids.NEXT\n",
    })
    assert sorted(m.revision_id for m in p.migrations) == ["c1", "n1", "r0"]
    assert p.graph.heads == ("c1",)
    assert not marker.exists()


def test_unresolved_header_is_ag004_with_line(project):
    files = {
        "a1_x.py": 'import os\n\nrevision = os.environ["REV"]\ndown_revision = None\n',
        "b2_x.py": "from elsewhere import PARENT\nrevision = 'b2'\ndown_revision = PARENT\n",
    }
    findings = check_files(files, select="AG004")
    got = sorted((str(f.location.path), f.location.line) for f in findings)
    assert got == [("migrations/versions/a1_x.py", 3), ("migrations/versions/b2_x.py", 3)]
    assert all("--import" in f.hint for f in findings)
    assert "os.environ[\"REV\"]" in findings[0].message or "os.environ[\"REV\"]" in findings[1].message


def test_legacy_hex_file_name_is_the_id(project):
    p = load(project, {"migrations/versions/abc123.py": "down_revision = None\n"})
    assert [m.revision_id for m in p.migrations] == ["abc123"]


def test_missing_down_revision_is_reported(project):
    findings = check_files({"a1_x.py": "revision = 'a1'\n"}, select="AG003")
    assert [f.location.line for f in findings] == [1] and "not `down_revision`" in findings[0].message


def test_docstring_revises_mismatch_is_ag107():
    src = '"""add\n\nRevision ID: b2\nRevises: a0\n"""\nrevision = "b2"\ndown_revision = "a1"\n'
    findings = check_files({"a1_x.py": 'revision = "a1"\ndown_revision = None\n', "b2_x.py": src}, select="AG107")
    assert [(f.location.line, f.anchor) for f in findings] == [(4, "docstring-revises")]


def test_custom_file_template_disables_name_check():
    files = {"alembic.ini": INI + "file_template = %%(year)d_%%(month).2d_%%(rev)s_%%(slug)s\n", "2024_01_a1_x.py": 'revision = "a1"\ndown_revision = None\n'}
    assert check_files(files, select="AG107") == []
    assert [f.anchor for f in check_files({"2024_01_a1_x.py": 'revision = "a1"\ndown_revision = None\n'}, select="AG107")] == ["file-name"]


# ---------------------------------------------------------------- the fast path equals ast
_names = st.sampled_from(["revision", "down_revision", "branch_labels", "depends_on"])
_ids = st.text(alphabet="abcdef0123456789_-xyz ", min_size=0, max_size=8)
_value = st.one_of(
    st.just("None"),
    _ids.map(repr),
    _ids.map(lambda s: '"' + s + '"'),
    st.lists(_ids, max_size=3).map(lambda xs: "(" + ", ".join(map(repr, xs)) + ("," if len(xs) == 1 else "") + ")"),
    st.lists(_ids, max_size=3).map(lambda xs: "[" + ",".join(map(repr, xs)) + "]"),
    st.lists(_ids, min_size=1, max_size=3).map(lambda xs: "(\n    " + ",\n    ".join(map(repr, xs)) + ",\n)"),
    _ids.map(lambda s: f"({s!r})"),
    _ids.map(lambda s: f"{s!r} + 'x'"),  # not a fast-path shape: must fall back
    st.just("SOME_CONSTANT"),
)
_line = st.one_of(
    st.tuples(_names, st.sampled_from(["", ": str", ": Union[str, Sequence[str], None]", ":str"]), _value, st.sampled_from(["", "  # c", "#x"])).map(
        lambda t: f"{t[0]}{t[1]} = {t[2]}{t[3]}"
    ),
    st.sampled_from([
        "", "# revision identifiers, used by Alembic.", "import sqlalchemy as sa", "from alembic import op",
        "from typing import Sequence, Union", "SOME_CONSTANT = 'k'", "    ", "x = 1", "if True:\n    revision = 'in-if'",
        "def upgrade():\n    pass", "revision = 'late'", "class X:\n    revision = 'cls'", "@dec\ndef f(): pass",
    ]),
)
_doc = st.one_of(
    st.just(""),
    st.text(alphabet="abc \nRevisonID:#'\\\"", max_size=30).map(lambda s: '"""' + s + '"""\n'),
    st.text(alphabet="abc \n\"", max_size=20).map(lambda s: "'''" + s + "'''\n"),
    st.just("# -*- coding: utf-8 -*-\n'''doc'''  # trailing\n"),
)


@settings(max_examples=400, deadline=None)
@given(_doc, st.lists(_line, max_size=10), st.sampled_from(["\n", "\r\n"]))
def test_fast_header_agrees_with_ast(doc, lines, eol):
    source = (doc + "\n".join(lines) + "\n").replace("\n", eol)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except SyntaxError:
        return  # a file that does not parse is the slow path's business (AG003)
    fast = fast_header(source)
    if fast is None:
        return  # the fast path declined: the slow path is used, nothing to compare
    values, lines_, doc_ = fast
    expected = parse_migration(Path("x.py"), PurePosixPath("x.py"), source, tree, ConstantResolver())
    assert values == expected.values
    assert lines_ == expected.lines
    assert doc_ == ast.get_docstring(tree, clean=False)


def test_fast_path_taken_for_alembic_templates():
    template_113 = (Path(__file__).resolve().parents[2] / "sample_projects/healthy/migrations/versions/bbbbbbbbbbbb_add_user_name.py").read_text()
    assert fast_header(template_113) is not None
    assert fast_header(rev("a1", down=("b", "c"))) is not None


def test_revision_that_is_not_a_string_is_ag003():
    findings = check_files({"a1_x.py": "revision = 1\ndown_revision = None\n", "b2_x.py": "revision = ''\ndown_revision = None\n"}, select="AG003")
    assert sorted((str(f.location.path), f.location.line) for f in findings) == [
        ("migrations/versions/a1_x.py", 1), ("migrations/versions/b2_x.py", 1)]
    assert "not a non-empty string" in findings[0].message


def test_import_cycles_and_missing_modules_do_not_hang(project):
    p = load(project, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import B\nA = 'a' + B\n",
        "pkg/b.py": "from pkg.a import A\nB = A\n",
        "pkg/c.py": "from pkg.c import C\nC = C\n",
        "migrations/versions/a_x.py": "from pkg.a import A\nrevision = A\ndown_revision = None\n",
        "migrations/versions/c_x.py": "from pkg.c import C\nfrom nowhere import X\nrevision = 'c'\ndown_revision = C\ndepends_on = X\n",
    })
    (c,) = [m for m in p.migrations if m.revision_id == "c"]
    assert set(c.unresolved) == {"down_revision", "depends_on"}
    assert [m for m in p.migrations if m.revision_id is None and "revision" in m.unresolved]


def test_unusual_assignment_forms(project):
    p = load(project, {
        "migrations/versions/a_x.py": "revision, down_revision = 'a', None\n",
        "migrations/versions/b_x.py": "revision = rev = 'b'\ndown_revision = 'a'\n",
        "migrations/versions/c_x.py": "import sys\nif sys.version_info > (3,):\n    revision = 'c'\nelse:\n    revision = 'c2'\ndown_revision = 'b'\n",
    })
    by = {str(m.relpath.name): m for m in p.migrations}
    assert by["a_x.py"].values == {"revision": "a", "down_revision": None}
    assert by["b_x.py"].revision_id == "b"
    c = by["c_x.py"]
    assert c.revision_id is None and c.unresolved["revision"][0] == 3 and not p.problems
    findings = check_files({"c_x.py": "import sys\nif sys.version_info > (3,):\n    revision = 'c'\ndown_revision = None\n"}, select="AG0")
    assert [(f.code, f.location.line) for f in findings] == [("AG004", 3)]
