"""Rule metadata for formatters: the report's rules, plus any rule a finding names that the
report does not list (AG000 for a crashed rule), looked up in the registry."""

from __future__ import annotations

from alembic_guard.findings import Report, RuleInfo


def rule_infos(report: Report) -> list[RuleInfo]:
    infos = list(report.rules)
    listed = {r.code for r in infos}
    missing = sorted({f.code for f in report.findings} - listed)
    if missing:
        from alembic_guard import rules as registry  # start-up cost: every rule module

        infos += [registry.BY_CODE[c].info() for c in missing if c in registry.BY_CODE]
    return infos
