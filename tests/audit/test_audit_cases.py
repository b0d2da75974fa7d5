"""App-shaped rule cases `tests/rules/cases/AG5*.py` are checked against their `# expect:` markers
by the generic case test (tests/rules/test_rule_cases.py). Here: every AG5 rule has a case file,
and no case file triggers another AG5 rule on a line it does not mark for it.
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic_guard.testing import check_app_source
from alembic_guard.rules import ALL_RULES

CASES = Path(__file__).resolve().parent.parent / "rules" / "cases"


def cases() -> list[Path]:
    return sorted(CASES.glob("AG5*.py"))


def test_there_are_cases_for_every_rule():
    codes = {p.stem.split("_")[0] for p in cases()}
    missing = [r.code for r in ALL_RULES if r.kind == "app" and r.code not in codes]
    assert not missing, f"no case file for {missing}"


# intended overlaps: a recycle-only MySQL engine still lacks pre-ping; a legacy query in an N+1 case
ALLOWED = {"AG502_pool_recycle.py": {"AG501"}, "AG530_n_plus_one.py": {"AG550"}}


def test_correct_lines_of_cases_are_clean_for_the_whole_family():
    """Lines after `# CORRECT` in every case file get no other AG5 finding (but the listed overlaps)."""
    for path in cases():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines, start=1) if line.strip().startswith("# CORRECT"))
        noisy = [f for f in check_app_source(text) if f.location.line and f.location.line > start
                 and not re.search(r"#\s*expect:", lines[f.location.line - 1])
                 and f.code not in ALLOWED.get(path.name, set())]
        assert not noisy, f"{path.name}: " + "; ".join(f"{f.location.line} {f.code} {f.message}" for f in noisy)
