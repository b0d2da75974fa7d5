"""Deep expressions (issue 17.9): valid Python far deeper than the recursion limit never costs a
revision file its other findings; what Python's own parser cannot read is a clean AG003."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alembic_guard import api, settings as settings_mod
from alembic_guard.core.astdepth import add_operands, concat, shown

from ops_helpers import revision_source, write_project

NOT_NULL = '    op.add_column("t", sa.Column("c", sa.Integer(), nullable=False))\n'  # AG405, an error


def concatenation(n: int) -> str:
    return " + ".join(f"'part{i} '" for i in range(n))


# Each is valid Python that ast.parse accepts but that is deeper than Python's recursion limit.
DEEP_STATEMENTS = {
    "concat-1000": f"    op.execute({concatenation(1000)})\n",
    "concat-2000": f"    op.execute({concatenation(2000)})\n",
    "concat-assigned": f"    sql = {concatenation(1500)}\n    op.execute(sql)\n",
    "method-chain": "    op.execute(sa.text('SELECT 1')" + ".bindparams()" * 900 + ")\n",
    "call-chain-statement": "    q = bind" + ".f()" * 900 + "\n",
    "attribute-chain": "    x = a" + ".b" * 2000 + "\n",
    "subscripts": "    x = a" + "[0]" * 2000 + "\n",
    "not-chain": "    x = " + "not " * 2000 + "a\n",
    "nested-calls": "    x = " + "f(" * 190 + "1" + ")" * 190 + "\n",
    "nested-parentheses": "    x = " + "(" * 190 + "1" + ")" * 190 + "\n",
}


def run_check(root):
    return api.check(settings_mod.load(root, select=("AG4", "AG003", "AG000")))


@pytest.mark.parametrize("shape", sorted(DEEP_STATEMENTS))
def test_deep_expression_keeps_the_files_other_findings(tmp_path, shape):
    body = NOT_NULL + DEEP_STATEMENTS[shape]
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, body)})
    report = run_check(root)
    codes = [f.code for f in report.findings]
    assert "AG405" in codes, [(f.code, f.message[:120]) for f in report.findings]
    assert "AG000" not in codes and "AG003" not in codes
    for f in report.findings:
        assert "RecursionError" not in f.message and "please report" not in f.message, f.message[:200]


def test_concatenated_sql_is_read_whole(tmp_path):
    terms = " + ".join(["'ALTER TABLE t '", *["' '"] * 1200, "'ADD COLUMN d integer NOT NULL'"])
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, f"    op.execute({terms})\n")})
    codes = [f.code for f in run_check(root).findings]
    assert "AG405" in codes  # the SQL was folded into one statement and parsed


def test_a_statement_the_reader_cannot_follow_is_reported_alone(tmp_path):
    # 1,500 unary minus signs: valid, and folded recursively by the reader. That one statement is
    # reported as not analysed at its own line; the NOT NULL column before it is still an error.
    body = NOT_NULL + "    op.execute(" + "-" * 1500 + "1)\n" + '    op.drop_column("t", "old")\n'
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, body)})
    findings = run_check(root).findings
    codes = [f.code for f in findings]
    assert "AG405" in codes and "AG410" in codes, codes  # before and after the deep statement
    ag423 = [(f.location.line, f.message) for f in findings if f.code == "AG423"]
    assert len(ag423) == 1 and ag423[0][0] == 11, ag423  # the line of the deep `op.execute`
    assert "nested too deeply" in ag423[0][1] and "RecursionError" not in ag423[0][1]


def test_header_built_by_a_long_concatenation(tmp_path):
    src = revision_source("r1", None, NOT_NULL).replace('revision = "r1"', "revision = " + " + ".join(["''"] * 1500 + ["'r1'"]))
    root = write_project(tmp_path, {"r1.py": src})
    report = api.check(settings_mod.load(root))
    codes = [f.code for f in report.findings]
    assert "AG405" in codes and "AG004" not in codes and "AG003" not in codes, codes
    assert report.findings[codes.index("AG405")].location.revision == "r1"


@pytest.mark.parametrize("expr", [concatenation(10_000), "not " * 10_000 + "a", "-" * 10_000 + "1"])
def test_what_python_cannot_parse_is_a_clean_ag003(tmp_path, expr):
    body = NOT_NULL + f"    x = {expr}\n"
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, body)})
    report = run_check(root)
    found = [(f.code, f.message) for f in report.findings]
    assert [c for c, _ in found] == ["AG003"], found  # no bogus "no upgrade()" (AG423) beside it
    assert "Python's own parser gives up" in found[0][1] and "Alembic" in found[0][1]


def test_cli_fails_on_error_with_a_deep_expression(tmp_path):
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, NOT_NULL + DEEP_STATEMENTS["concat-1000"])})
    # on SQLite AG405 is an error (the table cannot be altered in place: certain); elsewhere a warning
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "check", str(root), "--fail-on", "error", "--dialect", "sqlite"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "AG405 [error]" in proc.stdout and "Traceback" not in proc.stderr


def test_helpers():
    import ast

    node = ast.parse("x = 'a' + b + ('c' + 'd')").body[0].value
    assert [ast.unparse(n) for n in add_operands(node)] == ["'a'", "b", "'c'", "'d'"]
    assert concat(["a", "b"]) == "ab" and concat([("a",), ("b",)]) == ("a", "b") and concat(["a", ("b",)]) is None
    deep = "x = " + concatenation(2500)
    value = ast.parse(deep).body[0].value
    text = shown(deep, value)
    assert len(text) <= 60 and text.startswith("'part0 ' + 'part1 '")


def test_deep_expressions_in_application_code(tmp_path):
    """The session audit and the models reader read the application: a long concatenation there
    costs no finding of that module either (no AG000 crash)."""
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, "    pass\n")})
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    expr = concatenation(1500)
    (root / "app" / "models.py").write_text(
        "import sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase, Session\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        f"class User(Base):\n    __tablename__ = 'u' + {expr}\n    id = sa.Column(sa.Integer, primary_key=True)\n\n\n"
        f"Q = {expr}\n\n\ndef f(engine):\n    s = Session(engine)\n    s.execute(sa.text({expr}))\n    s.commit()\n"
    )
    report = api.check(settings_mod.load(root, select=("AG2", "AG5", "AG000")))
    codes = [f.code for f in report.findings]
    assert "AG000" not in codes, [f.message for f in report.findings]
    assert "AG512" in codes  # the session opened in f() and never closed is still seen


def test_deep_chains_in_application_code_cost_one_statement(tmp_path):
    """Method and attribute chains, unary chains: the session audit skips the one statement it
    cannot follow and still reports the rest of the function."""
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, "    pass\n")})
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "chains.py").write_text(
        "from sqlalchemy.orm import Session\n\n\ndef g(engine):\n    s = Session(engine)\n"
        "    q = s" + ".query()" * 900 + "\n    y = a" + ".b" * 1500 + "\n    z = " + "-" * 1500 + "1\n"
        "    w = " + "not " * 1500 + "x\n    s.commit()\n"
    )
    report = api.check(settings_mod.load(root, select=("AG5", "AG000")))
    codes = [(f.code, f.location.line) for f in report.findings]
    assert ("AG512", 5) in codes and not any(c == "AG000" for c, _ in codes), [f.message for f in report.findings]


def test_env_py_python_cannot_parse(tmp_path):
    """An env.py deeper than Python's parser goes: AG202 says so (no AG000 crash), and `models`
    reports it instead of an internal error."""
    root = write_project(tmp_path, {"r1.py": revision_source("r1", None, NOT_NULL)})
    (root / "migrations" / "env.py").write_text(f"from alembic import context\ntarget_metadata = None\nX = {concatenation(10_000)}\n")
    report = api.check(settings_mod.load(root))
    codes = [f.code for f in report.findings]
    assert "AG000" not in codes and "AG405" in codes, [(f.code, f.message[:100]) for f in report.findings]
    (ag202,) = [f for f in report.findings if f.code == "AG202"]
    assert "Python's own parser gives up" in ag202.message
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "models", str(root)], capture_output=True, text=True, timeout=120)
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert "Python's own parser gives up" in proc.stdout + proc.stderr
