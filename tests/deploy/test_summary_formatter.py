"""The Markdown job summary: table cells cannot break the table or inject HTML; graph sections."""

from __future__ import annotations

import io
from pathlib import Path, PurePosixPath

from alembic_guard import api
from alembic_guard.findings import Finding, Location, Report, Severity
from alembic_guard.formatters import get, summary
from alembic_guard.settings import load


def test_hostile_text_stays_in_its_cell(tmp_path):
    finding = Finding(
        "AG101", Severity.ERROR, "name | with pipe <script>alert(1)</script>\nsecond line",
        Location(PurePosixPath("migrations/versions/x.py"), 3, 1, revision="x"), hint="do | this",
    )
    out = io.StringIO()
    summary.render(Report(tmp_path / "missing", (finding,)), out)
    text = out.getvalue()
    row = next(line for line in text.splitlines() if line.startswith("| 🔴"))
    assert row.count(" | ") == 3  # four cells, the pipes in the text are escaped
    assert "\\|" in row and "<script>" not in text and "&lt;script&gt;" in row
    assert "### Heads" not in text  # no project at that root: no graph sections, no crash


def test_summary_of_a_project_has_heads_and_recent_history(samples):
    report = api.check(load(samples / "two_heads"))
    out = io.StringIO()
    get("summary")(report, out)
    text = out.getvalue()
    assert "### Heads (2)" in text and "- `cccccccccccc` — add user phone" in text
    assert "### Recent history (last 3 of 3 revisions)" in text
    assert "```mermaid\nflowchart BT\n" in text and "r_aaaaaaaaaaaa --> r_bbbbbbbbbbbb" in text


def test_recent_history_is_limited(tmp_path):
    from deploy_support import make_project

    revisions = [(f"r{i:03d}", f"r{i - 1:03d}" if i else None, None, f"step {i}") for i in range(40)]
    project = make_project(tmp_path / "p", revisions)
    out = io.StringIO()
    summary.render(api.check(load(project)), out)
    text = out.getvalue()
    assert f"last {summary.RECENT} of 40 revisions" in text
    assert "r039" in text and "r_r000" not in text


def test_facts_win_over_reading_the_project(tmp_path):
    facts = {"graph": {"revisions": 1, "heads": [{"revision": "zz", "message": None, "path": None, "branch_labels": []}], "mermaid": "flowchart BT\n"}}
    out = io.StringIO()
    summary.render(Report(Path(tmp_path), (), facts=facts), out)
    assert "- `zz`" in out.getvalue()
