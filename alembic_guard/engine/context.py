"""The run's context: what every rule runner is handed (the project, the findings and skips so
far, facts for the report, progress) and how one rule call is isolated (a crash becomes AG000).
It owns no rule selection and no pass over files; it must not import the engine's other modules.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from alembic_guard.errors import GuardError
from alembic_guard.findings import Finding, Location, Skip
from alembic_guard.project import Project
from alembic_guard.rules import BY_CODE, Rule


@dataclass
class RunContext:
    project: Project
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    progress: Callable[[str], None] | None = None

    def emit(self, finding: Finding) -> None:
        self.findings.append(finding)

    def skip(self, codes: Iterable[str], reason: str, *, incomplete: bool = False) -> None:
        self.skipped.append(Skip(tuple(sorted(set(codes))), reason, incomplete))

    def call(self, rule: Rule, *args, where: Location | None = None) -> None:
        """Run one rule on one input; collect its findings; turn a crash into AG000."""
        try:
            result = rule.func(*args)
            if result is not None:
                for finding in result:
                    self.findings.append(finding)
        except GuardError:
            raise  # the rule could not analyse (e.g. an unknown --base-ref): exit 2, not AG000
        except Exception as exc:  # noqa: BLE001 - a rule bug must never stop the run
            self.crash(rule, exc, where)

    def crash(self, rule: Rule, exc: BaseException, where: Location | None = None) -> None:
        internal = BY_CODE.get("AG000")
        tb = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        frames = traceback.extract_tb(exc.__traceback__)
        origin = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        loc = where or Location(PurePosixPath("."))
        message = f"rule {rule.code} ({rule.name}) crashed: {tb}"
        if internal is None:
            self.findings.append(Finding("AG000", rule.severity.__class__.ERROR, message, loc))
            return
        self.findings.append(
            internal.finding(
                message,
                at=loc,
                hint=f"this is a bug in alembic-guard{origin}; please report it. Other rules ran normally.",
                anchor=f"{rule.code} {type(exc).__name__}",
            )
        )
