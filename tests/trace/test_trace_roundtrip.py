"""The lock trace inside `check --db`: it travels from the forked child in the report's facts
(and validates against report.schema.json), each revision starts with no lock held although the
walk runs every revision in one transaction, `--rows` seeds, `--no-trace` / `trace = false`
turn it off, an async env.py is traced, and MariaDB gives a note instead of a trace."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from trace_helpers import ASYNC_ENV_PY, make_project, revision_id

from alembic_guard import api, settings as settings_mod
from alembic_guard.cli import cli, main
from alembic_guard.formatters import text

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "alembic_guard/formatters/report.schema.json").read_text())
TRACE_SCHEMA = {"$schema": SCHEMA.get("$schema"), "$defs": SCHEMA["$defs"], "$ref": "#/$defs/trace"}

CREATE = ('op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True), sa.Column("qty", sa.Integer))',
          'op.drop_table("orders")')
ADD_COLUMN = ('op.add_column("orders", sa.Column("note", sa.Text))', 'op.drop_column("orders", "note")')
INDEX = ('op.create_index("ix_orders_qty", "orders", ["qty"])', 'op.drop_index("ix_orders_qty", table_name="orders")')
CONCURRENTLY = ("""
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_note", "orders", ["note"], postgresql_concurrently=True)""",
                """
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_note", table_name="orders", postgresql_concurrently=True)""")


def check(root: Path, url: str, **overrides):
    return api.check(settings_mod.load(root, select=("AG3",), db_url=url, **overrides))


def revision_trace(report, i: int) -> dict:
    return report.facts["roundtrip"]["trace"]["revisions"][revision_id(i)]


def table_modes(statement: dict, relation: str) -> set[str]:
    return {lock["mode"] for lock in statement["locks"] if lock["relation"] == relation}


@pytest.mark.postgres
@pytest.mark.parametrize("revisions, mode", [((CREATE, ADD_COLUMN, INDEX), "transaction"),
                                             ((CREATE, ADD_COLUMN, INDEX, CONCURRENTLY), "fresh")])
def test_each_revision_of_the_walk_starts_with_no_lock_held(tmp_path, pg_admin_url, revisions, mode):
    root = make_project(tmp_path, list(revisions))
    report = check(root, pg_admin_url)
    assert report.findings == ()
    rt = report.facts["roundtrip"]
    assert rt["mode"] == mode
    jsonschema.validate(rt["trace"], TRACE_SCHEMA)
    assert set(rt["trace"]["revisions"]) == {revision_id(i) for i in range(len(revisions))}
    # the walk's one transaction has held orders ACCESS EXCLUSIVE since revision 0 created it;
    # the trace pass shows what revision 1 takes on its own
    (add,) = revision_trace(report, 1)["statements"]
    assert table_modes(add, "orders") == {"ACCESS EXCLUSIVE"}
    assert all(lock["existed"] for lock in add["locks"])
    out = io.StringIO()
    text.render(report, out, colour=False)
    assert f"lock trace: {len(revisions)} revisions traced" in out.getvalue()
    (index,) = revision_trace(report, 2)["statements"]
    assert table_modes(index, "orders") == {"SHARE"}
    if mode == "fresh":
        (cic,) = revision_trace(report, 3)["statements"]
        assert cic["autocommit"] and table_modes(cic, "orders") == {"SHARE UPDATE EXCLUSIVE"}


@pytest.mark.postgres
def test_json_report_carries_the_trace_and_rows_seeds_it(tmp_path, pg_admin_url):
    root = make_project(tmp_path, [CREATE, ADD_COLUMN])
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["check", str(root), "--select", "AG3", "--db-url", pg_admin_url,
                                       "--rows", "orders=5000", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, SCHEMA)
    trace = doc["facts"]["roundtrip"]["trace"]
    assert trace["seeded_rows"] == {"orders": 5000}
    assert trace["revisions"][revision_id(1)]["rows"] == {"orders": 5000}


@pytest.mark.postgres
def test_no_trace_flag_and_setting(tmp_path, pg_admin_url, capsys):
    root = make_project(tmp_path, [CREATE], pyproject="[tool.alembic-guard]\ntrace = false\n")
    report = check(root, pg_admin_url)
    assert report.facts["roundtrip"]["revisions"] == [revision_id(0)]
    assert "trace" not in report.facts["roundtrip"]
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["check", str(root), "--select", "AG3", "--db-url", pg_admin_url, "--trace",
                                       "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "trace" in json.loads(out.read_text())["facts"]["roundtrip"]
    with pytest.raises(SystemExit) as exc:
        main(["check", str(root), "--select", "AG3", "--db-url", pg_admin_url, "--no-trace", "--rows", "orders=x"])
    assert exc.value.code == 2
    assert "whole number of rows" in capsys.readouterr().err


@pytest.mark.postgres
def test_async_env_py_is_traced(tmp_path, pg_admin_url):
    pytest.importorskip("asyncpg")
    root = make_project(tmp_path, [CREATE, ADD_COLUMN], env_py=ASYNC_ENV_PY,
                        url="postgresql+asyncpg://postgres@127.0.0.1:5432/app")
    report = check(root, pg_admin_url)
    rt = report.facts["roundtrip"]
    assert rt.get("async_env") and not report.findings
    (add,) = revision_trace(report, 1)["statements"]
    assert table_modes(add, "orders") == {"ACCESS EXCLUSIVE"}
    assert add["line"] == 10


@pytest.mark.mariadb
def test_mariadb_round_trip_has_a_note_instead_of_a_trace(tmp_path, mariadb_admin_url):
    root = make_project(tmp_path, [CREATE], url="mysql+pymysql://root@127.0.0.1:3306/app")
    report = check(root, mariadb_admin_url)
    trace = report.facts["roundtrip"]["trace"]
    assert trace["revisions"] == {} and "PostgreSQL" in trace["note"]
    jsonschema.validate(trace, TRACE_SCHEMA)
    out = io.StringIO()
    text.render(report, out, colour=False)
    assert out.getvalue().count("lock trace: none (lock traces need PostgreSQL") == 1


@pytest.mark.postgres
def test_failures_in_a_traced_walk_rebuild_and_the_walk_goes_on(tmp_path, pg_admin_url):
    """Once the trace has committed, one rollback no longer empties the sandbox: after a failed
    downgrade the walk rebuilds the database and goes on; a failed upgrade is traced up to the
    statement that failed."""
    broken_down = (CREATE[0], 'op.execute("SELECT 1 / 0")')
    failing = ('op.add_column("orders", sa.Column("w", sa.Integer))\nop.execute("SELECT 1 / 0")', "pass")
    root = make_project(tmp_path, [broken_down, ADD_COLUMN, failing])
    report = check(root, pg_admin_url)
    codes = sorted((f.code, f.location.revision) for f in report.findings)
    assert codes == [("AG301", revision_id(2)), ("AG302", revision_id(0))]
    rt = report.facts["roundtrip"]
    assert rt["mode"] == "transaction"
    assert [(s["phase"], s["ok"]) for s in rt["steps"] if s["revision"] == revision_id(1)] == [
        ("upgrade", True), ("downgrade", True), ("reupgrade", True)]
    assert revision_trace(report, 1).get("complete", True)
    failed = revision_trace(report, 2)
    assert failed["complete"] is False
    add, fail = failed["statements"]
    assert table_modes(add, "orders") == {"ACCESS EXCLUSIVE"} and fail["ok"] is False


@pytest.mark.postgres
def test_shards_trace_their_own_segments_and_merge(tmp_path, pg_admin_url):
    from alembic_guard.formatters.json import to_dict
    from alembic_guard.workflows import merge_reports as shards

    root = make_project(tmp_path, [CREATE, ADD_COLUMN, INDEX])
    docs = []
    for k in (1, 2):
        report = check(root, pg_admin_url, shard=f"{k}/2")
        docs.append(json.loads(json.dumps(to_dict(report), default=str)))
    assert set(docs[1]["facts"]["roundtrip"]["trace"]["revisions"]) == {revision_id(2)}  # the prefix: not traced
    merged = shards.merge(docs)
    trace = merged["facts"]["roundtrip"]["trace"]
    jsonschema.validate(trace, TRACE_SCHEMA)
    assert set(trace["revisions"]) == {revision_id(i) for i in range(3)}
    (index,) = trace["revisions"][revision_id(2)]["statements"]
    assert table_modes(index, "orders") == {"SHARE"}
