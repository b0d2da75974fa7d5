"""The rule registry's invariants: every module registered, codes and names unique and well-formed."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from alembic_guard import rules as registry
from alembic_guard.rules._registry import REDIRECTS

RULES_DIR = Path(registry.__file__).parent
MODULE_RE = re.compile(r"^ag(\d{3})_([a-z0-9_]+)\.py$")


def rule_modules() -> list[Path]:
    return sorted(p for p in RULES_DIR.rglob("ag*.py") if MODULE_RE.match(p.name))


def test_every_rule_module_is_registered():
    registered = {r.__module__ for r in registry.ALL_RULES}
    missing = []
    for path in rule_modules():
        module = ".".join(path.relative_to(RULES_DIR.parent.parent).with_suffix("").parts)
        importlib.import_module(module)
        if module not in registered:
            missing.append(module)
    assert not missing, f"rule modules not listed in their family's RULES: {missing}"


def test_every_ag_file_is_named_like_a_rule_module():
    bad = [p.name for p in RULES_DIR.rglob("ag*.py") if not MODULE_RE.match(p.name)]
    assert not bad, f"rule modules are named agNNN_<snake_name>.py: {bad}"


def test_codes_unique_and_match_file_names():
    codes = [r.code for r in registry.ALL_RULES]
    assert len(codes) == len(set(codes)), f"duplicate codes: {sorted(c for c in codes if codes.count(c) > 1)}"
    for rule in registry.ALL_RULES:
        filename = Path(importlib.import_module(rule.__module__).__file__).name
        m = MODULE_RE.match(filename)
        assert m, f"{rule.code}: module {filename} is not named agNNN_<name>.py"
        assert f"AG{m.group(1)}" == rule.code, f"{rule.code} lives in {filename}"


def test_codes_are_in_their_family_package():
    for rule in registry.ALL_RULES:
        assert rule.__module__.split(".")[2] == rule.family, f"{rule.code} is in {rule.__module__}, family {rule.family}"


def test_names_kebab_unique_and_not_verbs_of_policy():
    names = [r.name for r in registry.ALL_RULES]
    assert len(names) == len(set(names)), f"duplicate names: {sorted(n for n in names if names.count(n) > 1)}"
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name
        assert not name.startswith(("ban-", "require-", "prefer-")), f"{name}: name the problem, not the policy"


def test_redirect_targets_exist():
    for old, new in REDIRECTS.items():
        assert new in registry.BY_CODE, f"redirect {old} -> {new}: no such rule"
        assert old not in registry.BY_CODE, f"redirected code {old} is still a live rule"


def test_all_rules_sorted_by_code():
    codes = [r.code for r in registry.ALL_RULES]
    assert codes == sorted(codes)
