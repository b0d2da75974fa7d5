"""Our side of the squawk parity cases (tests/ops/squawk_parity_cases.py): each mapped rule fires
exactly where the case says. benchmarks/squawk_parity.py compares with squawk itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from alembic_guard.testing import check_source

sys.path.insert(0, str(Path(__file__).parent))
from squawk_parity_cases import CASES, revision_source  # noqa: E402


@pytest.mark.parametrize("squawk_rule, code, sql, fires", CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_case(squawk_rule, code, sql, fires):
    found = [f for f in check_source(revision_source(sql), select=(code,), dialect="postgresql", server_version="16")
             if f.code == code]
    assert bool(found) == fires, f"{code} on {sql!r}: expected {'a finding' if fires else 'none'}, got {[f.message for f in found]}"
