"""The rule registry: ALL_RULES in code order, and selection by code prefix.

Each family package (`rules/<family>/__init__.py`) lists its rules in `RULES`; this module only
concatenates them, so families can grow independently.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from alembic_guard import settings as settings_mod
from alembic_guard.errors import UnknownRuleCode
from alembic_guard.rules import graph, meta, models, operations, roundtrip, session
from alembic_guard.rules._registry import REDIRECTS, Requires, Rule

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        meta.RULES + graph.RULES + models.RULES + roundtrip.RULES + operations.RULES + session.RULES,
        key=lambda r: r.code,
    )
)
BY_CODE: dict[str, Rule] = {r.code: r for r in ALL_RULES}
BY_NAME: dict[str, Rule] = {r.name: r for r in ALL_RULES}


def normalise_code(text: str) -> str:
    text = text.strip()
    if text in BY_NAME:
        return BY_NAME[text].code
    code = text.upper()
    return REDIRECTS.get(code, code)


def is_known_prefix(prefix: str) -> bool:
    prefix = normalise_code(prefix)
    if prefix in ("ALL", "AG"):
        return True
    return any(r.code.startswith(prefix) for r in ALL_RULES) or prefix in REDIRECTS


def suggestions(raw: str) -> tuple[str, ...]:
    """Up to three known codes or names close to `raw` (AG1O1 -> AG101 first)."""
    pool = [r.code for r in ALL_RULES] + [r.name for r in ALL_RULES]
    sugg = tuple(difflib.get_close_matches(raw.strip(), pool, n=3, cutoff=0.5))
    lookalike = "AG" + raw.strip().upper()[2:].translate(str.maketrans("OIL", "011"))
    if raw.strip().upper().startswith("AG") and is_known_prefix(lookalike):
        sugg = (lookalike, *(c for c in sugg if c != lookalike))[:3]
    return sugg


def validate_codes(codes: Iterable[str], source: str | None = None) -> tuple[str, ...]:
    """Normalise codes/prefixes/names; raise UnknownRuleCode (with suggestions) for unknown ones."""
    out = []
    for raw in codes:
        if not raw.strip():
            continue
        code = normalise_code(raw)
        if not is_known_prefix(code):
            raise UnknownRuleCode(raw.strip(), suggestions(raw), source)
        out.append(code)
    return tuple(out)


def _matches(rule: Rule, prefixes: Iterable[str]) -> int:
    """Length of the longest matching prefix, or -1."""
    best = -1
    for p in prefixes:
        if p in ("ALL", "AG"):
            best = max(best, 0)
        elif rule.code.startswith(p):
            best = max(best, len(p))
    return best


def select(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> tuple[Rule, ...]:
    """Rules chosen by --select/--ignore prefixes. The more specific prefix wins (as in ruff):
    `--select AG4 --ignore AG41 --select AG410` keeps AG410. Preview rules need an explicit
    select of at least their family+tens prefix (AG41) or their full code."""
    select = tuple(select) or ("ALL",)
    ignore = tuple(ignore)
    chosen = []
    for rule in ALL_RULES:
        s, i = _matches(rule, select), _matches(rule, ignore)
        if s < 0 or i >= s and i >= 0:
            continue
        if rule.status == "preview" and s < 4:
            continue
        chosen.append(rule)
    return tuple(chosen)


def resolve_codes(settings: settings_mod.Settings, base: settings_mod.Settings | None = None,
                  where: str = settings_mod.SECTION, overrides: Iterable[str] = ()) -> settings_mod.Settings:
    """`settings` with its rule codes checked against the registry and normalised (names and
    lower-case codes -> codes); raises UnknownRuleCode naming where a wrong code was written.

    `base` (the pyproject settings alone), `where` (their source) and `overrides` (the keys given
    on the command line) come from `load_settings`; without them only the merged codes are
    checked. Idempotent: `api.check` calls it on whatever settings it is given."""
    if base is not None:
        for key in ("select", "ignore", "severity"):
            validate_codes(tuple(getattr(base, key)), source=f"{key} in {where}")
        for glob, codes in base.per_path_ignores.items():
            validate_codes(codes, source=f"per-path-ignores {glob!r} in {where}")
    for key in ("select", "ignore"):
        if key in overrides:
            validate_codes(tuple(getattr(settings, key)), source=f"--{key}")
    select, ignore = validate_codes(settings.select), validate_codes(settings.ignore)
    if "select" in overrides and "ignore" not in overrides:
        # `--select AG101` beats `ignore = ["AG101"]` from pyproject: at equal specificity the
        # command line wins (a more specific prefix still wins over a broader one, as in ruff)
        ignore = tuple(c for c in ignore if c not in select)
    return dataclasses.replace(
        settings,
        select=select,
        ignore=ignore,
        severity=MappingProxyType({normalise_code(k): v for k, v in settings.severity.items()}),
        per_path_ignores=MappingProxyType({g: validate_codes(c) for g, c in settings.per_path_ignores.items()}),
    )


def load_settings(root: Path, **overrides: Any) -> settings_mod.Settings:
    """`settings.load` with the rule codes checked and normalised: the CLI's loader for the
    commands that run rules (a wrong code in pyproject or on the command line: exit 2 naming it)."""
    base, settings, where = settings_mod.read(root, **overrides)
    if not (base.select or base.ignore or base.severity or base.per_path_ignores
            or settings.select or settings.ignore or settings.severity or settings.per_path_ignores):
        return settings
    return resolve_codes(settings, base, where, overrides)


__all__ = ["ALL_RULES", "BY_CODE", "BY_NAME", "Requires", "Rule", "select", "validate_codes", "normalise_code",
           "resolve_codes", "load_settings"]
