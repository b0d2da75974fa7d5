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


def full_cycle(*revs):
    return [{"revision": r, "phase": p, "ok": True} for r in revs for p in ("upgrade", "downgrade", "reupgrade")]


def test_roundtrip_line_names_revisions_sandbox_and_mode():
    out = render({"roundtrip": {"revisions": ["a", "b", "c"], "sandbox": "server", "dialect": "mysql", "mode": "fresh", "with_data": True, "shard": "2/4",
                                "steps": full_cycle("a", "b", "c")}})
    assert "round trip: 3 revisions upgraded, downgraded and re-upgraded in a throwaway server mysql database (fresh mode, with seeded rows, shard 2/4)" in out


def test_roundtrip_line_counts_only_what_ran():
    env_failed = {"revisions": ["a", "b"], "sandbox": "embedded", "dialect": "postgresql",
                  "steps": [{"revision": "", "phase": "env", "ok": False}], "untested": {"a": "env.py failed", "b": "env.py failed"}}
    out = render({"roundtrip": env_failed})
    assert "round trip: env.py failed before any revision ran (0 of 2 revisions tested)" in out
    assert "upgraded" not in out

    partial = {"revisions": ["a", "b", "c"], "sandbox": "server", "dialect": "postgresql",
               "steps": full_cycle("a") + [{"revision": "b", "phase": "upgrade", "ok": False}],
               "untested": {"c": "depends on `b`, whose upgrade fails"}}
    assert "round trip: 1 of 3 revisions upgraded, 1 downgraded, 1 re-upgraded, 1 not tested in a throwaway server postgresql" in render({"roundtrip": partial})

    floor = {"revisions": ["a", "b"], "sandbox": "sqlite", "dialect": "sqlite", "irreversible": {"b": "static"},
             "steps": full_cycle("a") + [{"revision": "b", "phase": "upgrade", "ok": True}]}
    assert "round trip: 2 revisions upgraded, 1 downgraded and re-upgraded (1 irreversible) in a throwaway" in render({"roundtrip": floor})


def test_no_roundtrip_line_without_a_round_trip():
    assert "round trip" not in render({})
    assert "round trip" not in render({"roundtrip": {"revisions": []}})
