"""Every AG4xx rule's docstring: required sections; the Example fires, the Use-instead does not.

(The project-wide docs test runs the same check for every family; this one keeps the operation
rules honest on their own, with the dialect each rule is written for.)
"""

from __future__ import annotations

import re

import pytest

from alembic_guard.cli.docs import REQUIRED_SECTIONS, sections
from alembic_guard.rules import ALL_RULES
from alembic_guard.testing import check_source

OP_RULES = [r for r in ALL_RULES if r.code.startswith("AG4") and r.requires.value == "source"]
FENCE = re.compile(r"```python\n(.*?)```", re.S)


def block(rule, name: str) -> str:
    text = sections(rule)[name]
    m = FENCE.search(text)
    assert m, f"{rule.code}: section {name!r} has no ```python block"
    return m.group(1)


def dialect_of(rule) -> str:
    return "postgresql" if not rule.dialects or "postgresql" in rule.dialects else sorted(rule.dialects)[0]


def codes(source: str, rule) -> list[str]:
    return [f.code for f in check_source(source, rule.code, dialect=dialect_of(rule))]


@pytest.mark.parametrize("rule", OP_RULES, ids=lambda r: r.code)
def test_sections(rule):
    found = sections(rule)
    for name in REQUIRED_SECTIONS:
        assert found.get(name, "").strip(), f"{rule.code} lacks ## {name}"
    assert rule.summary and not rule.summary.endswith(" ")


@pytest.mark.parametrize("rule", OP_RULES, ids=lambda r: r.code)
def test_example_fires(rule):
    assert rule.code in codes(block(rule, "Example"), rule), f"{rule.code}: its Example does not fire"


@pytest.mark.parametrize("rule", OP_RULES, ids=lambda r: r.code)
def test_use_instead_is_clean(rule):
    assert rule.code not in codes(block(rule, "Use instead"), rule), f"{rule.code}: its Use-instead fires"
