"""Every AG5xx docstring: the Example fires the rule, the Use-instead block does not."""

from __future__ import annotations

import re

import pytest

from alembic_guard.testing import check_app_source
from alembic_guard.cli.docs import sections
from alembic_guard.rules import ALL_RULES

APP_RULES = [r for r in ALL_RULES if r.kind == "app"]
REQUIRED = ("What it does", "Why is this bad?", "Example", "Use instead")


def _code(text: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "no ```python block"
    return "\n".join(blocks)


def test_family_is_complete():
    assert [r.code for r in APP_RULES] == sorted(r.code for r in APP_RULES)
    assert len(APP_RULES) >= 15


@pytest.mark.parametrize("rule", APP_RULES, ids=lambda r: r.code)
def test_docstring_sections(rule):
    secs = sections(rule)
    for name in REQUIRED:
        assert secs.get(name, "").strip(), f"{rule.code}: missing section {name!r}"


@pytest.mark.parametrize("rule", APP_RULES, ids=lambda r: r.code)
def test_example_fires(rule):
    found = check_app_source(_code(sections(rule)["Example"]), select=(rule.code,))
    assert [f.code for f in found], f"{rule.code}: Example does not fire"
    for f in found:
        assert f.hint and not f.message.endswith(".")


@pytest.mark.parametrize("rule", APP_RULES, ids=lambda r: r.code)
def test_use_instead_is_clean(rule):
    found = check_app_source(_code(sections(rule)["Use instead"]), select=("AG5",))
    assert found == [], f"{rule.code}: Use instead triggers {[(f.code, f.location.line, f.message) for f in found]}"
