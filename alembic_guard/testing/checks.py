"""Round-trip checks as plain assertions, for a project's own test suite (pytest plugin).

    # tests/test_migrations.py
    from alembic_guard.testing.checks import *  # noqa: F401,F403  - the ready-made tests below

or use the `alembic_guard_roundtrip` fixture and the `assert_*` helpers directly:

    from alembic_guard.testing.checks import assert_no_trace

    def test_downgrades(alembic_guard_roundtrip):
        assert_no_trace(alembic_guard_roundtrip)

A failing assertion prints the same findings `alembic-guard check --db` would (revision file,
SQL statement, database error, schema diff).
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic_guard.findings import Finding


def findings(result, codes: Iterable[str] = ("AG3", "AG203")) -> list[Finding]:
    """The findings the round-trip rules (AG3xx, AG203) report for `result`, errors first."""
    from alembic_guard import rules  # start-up cost: every rule, only when a check runs

    out: list[Finding] = []
    for rule in rules.select(tuple(codes)):
        if rule.kind != "roundtrip":
            continue
        out.extend(rule.func(result, result.project) or ())
    return sorted(out, key=lambda f: (-f.severity, f.sort_key()))


def _fail_if(result, codes: Iterable[str], what: str) -> None:
    bad = [f for f in findings(result, codes) if f.severity.label != "info"]
    if bad:
        lines = [f"{len(bad)} {what}:"]
        for f in bad:
            lines.append(f"{f.location}: {f.code} {f.message}")
            if f.hint:
                lines.append(f"  hint: {f.hint}")
            for line in (f.details or "").splitlines():
                lines.append(f"    {line}")
        raise AssertionError("\n".join(lines))


def assert_upgrades(result) -> None:
    """Every revision upgrades (AG301), also with rows present under --with-data (AG306), in time (AG307)."""
    _fail_if(result, ("AG301", "AG306", "AG307"), "upgrade problem(s)")


def assert_downgrades(result) -> None:
    """Every reversible revision downgrades right after its upgrade (AG302) and upgrades again (AG304)."""
    _fail_if(result, ("AG302", "AG304"), "downgrade problem(s)")


def assert_no_trace(result) -> None:
    """Every downgrade restores the schema exactly as it was before the upgrade (AG303)."""
    _fail_if(result, ("AG303",), "downgrade(s) leaving a trace")


def assert_models_match(result) -> None:
    """The models (env.py's target_metadata) match the schema at head (AG203)."""
    if result.drift is None:
        raise AssertionError(f"drift at head was not computed: {result.drift_note}")
    _fail_if(result, ("AG203",), "difference(s) between models and migrations")


def assert_roundtrip_clean(result) -> None:
    """All of the above."""
    _fail_if(result, ("AG3", "AG203"), "round-trip finding(s)")


# -- ready-made tests: import them into a test module to collect them ----------------------------
def test_alembic_guard_upgrades(alembic_guard_roundtrip):
    assert_upgrades(alembic_guard_roundtrip)


def test_alembic_guard_downgrades(alembic_guard_roundtrip):
    assert_downgrades(alembic_guard_roundtrip)


def test_alembic_guard_downgrades_leave_no_trace(alembic_guard_roundtrip):
    assert_no_trace(alembic_guard_roundtrip)


def test_alembic_guard_models_match_migrations(alembic_guard_roundtrip):
    assert_models_match(alembic_guard_roundtrip)


__all__ = [
    "findings",
    "assert_upgrades",
    "assert_downgrades",
    "assert_no_trace",
    "assert_models_match",
    "assert_roundtrip_clean",
    "test_alembic_guard_upgrades",
    "test_alembic_guard_downgrades",
    "test_alembic_guard_downgrades_leave_no_trace",
    "test_alembic_guard_models_match_migrations",
]
