"""App-shaped rule cases `tests/rules/cases/AG5*.py`, checked against their `# expect:` markers.

(The generic case test in tests/rules/test_rule_cases.py runs them too once it is merged; this
module keeps them tested on the session branch and adds a whole-family run: no case file may
trigger another AG5 rule on a line it does not mark.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alembic_guard.audit import check_app_source

CASES = Path(__file__).resolve().parent.parent / "rules" / "cases"
EXPECT_RE = re.compile(r"#\s*expect:\s*(?P<codes>AG\d{3}(?:\s*[, ]\s*AG\d{3})*)")


def markers(text: str) -> set[tuple[int, str]]:
    out = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = EXPECT_RE.search(line)
        if m:
            out |= {(lineno, c) for c in re.split(r"[,\s]+", m.group("codes").strip())}
    return out


def cases() -> list[Path]:
    return sorted(CASES.glob("AG5*.py"))


def _diff(text, expected, found) -> str:
    lines = text.splitlines()
    out = [f"  unexpected {c} at line {n}: {lines[n - 1].strip()}" for n, c in sorted(found - expected)]
    out += [f"  missing    {c} at line {n}: {lines[n - 1].strip()}" for n, c in sorted(expected - found)]
    return "\n".join(out)


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.name)
def test_case_markers(path):
    text = path.read_text(encoding="utf-8")
    prefix = path.stem.split("_")[0]
    found = {(f.location.line, f.code) for f in check_app_source(text, select=(prefix,))}
    expected = markers(text)
    assert expected, f"{path.name} marks nothing"
    assert found == expected, f"{path.name}:\n" + _diff(text, expected, found)


def test_there_are_cases_for_every_rule():
    from alembic_guard.rules import ALL_RULES

    codes = {p.stem.split("_")[0] for p in cases()}
    missing = [r.code for r in ALL_RULES if r.kind == "app" and r.code not in codes]
    assert not missing, f"no case file for {missing}"
