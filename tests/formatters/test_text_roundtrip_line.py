"""The text report says when a round trip ran, so no AG3xx finding reads as "checked"."""

from __future__ import annotations

import io
from pathlib import Path

from alembic_guard.findings import Report
from alembic_guard.formatters import text


def render(facts):
    out = io.StringIO()
    text.render(Report(root=Path("."), findings=(), facts=facts), out, colour=False)
    return out.getvalue()


def test_roundtrip_line_names_revisions_sandbox_and_mode():
    out = render({"roundtrip": {"revisions": ["a", "b", "c"], "sandbox": "server", "dialect": "mysql", "mode": "fresh", "with_data": True, "shard": "2/4"}})
    assert "round trip: 3 revisions upgraded, downgraded and re-upgraded in a throwaway server mysql database (fresh mode, with seeded rows, shard 2/4)" in out


def test_no_roundtrip_line_without_a_round_trip():
    assert "round trip" not in render({})
    assert "round trip" not in render({"roundtrip": {"revisions": []}})
