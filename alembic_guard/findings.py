"""The vocabulary every layer shares: Severity, Location, Finding, Skip, RuleInfo, Report.

Findings are values. A problem in the analysed project is a `Finding`; a problem that prevents
analysis is a `GuardError` (see `alembic_guard.errors`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

# Where the project and its documentation site live (mkdocs.yml's repo_url and site_url).
REPO_URL = "https://github.com/alembic-guard/alembic-guard"
DOCS_URL = "https://alembic-guard.github.io/alembic-guard/"


def rule_url(code: str) -> str:
    """The stable address of a rule's page on the documentation site (SARIF helpUri, `rule CODE`)."""
    return f"{DOCS_URL}rules/{code}/"


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use one of error, warning, info") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Requires(enum.Enum):
    """What a rule needs to run; the engine runs only what the settings allow."""

    SOURCE = "source"  # reads files only: always safe
    IMPORT = "import"  # imports/executes the analysed project's code
    DATABASE = "database"  # needs a (throwaway) database; also executes env.py


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points. Paths are relative to the project root, lines and columns 1-based."""

    path: PurePosixPath
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    revision: str | None = None

    def __str__(self) -> str:
        text = str(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "revision": self.revision,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    location: Location
    hint: str | None = None
    related: tuple[Location, ...] = ()
    anchor: str = ""
    details: str | None = None  # longer text (a schema diff, a database error), shown indented
    # what the round trip's lock trace showed about this finding's statement (alembic_guard.trace.marks):
    # "confirmed" | "not observed" (then demoted one step), with `evidence_note` saying what it saw.
    # Not part of the fingerprint: a mark never changes a baseline.
    evidence: str | None = None
    evidence_note: str | None = None

    @property
    def fingerprint(self) -> str:
        """code + path + revision + anchor; deliberately no line numbers, so edits do not move it."""
        key = "\x1f".join(
            [self.code, str(self.location.path), self.location.revision or "", self.anchor or self.message]
        )
        import hashlib  # late: `graph` never fingerprints, and _hashlib costs a few ms to load

        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    def sort_key(self) -> tuple:
        return (
            str(self.location.path),
            self.location.line or 0,
            self.location.column or 0,
            self.code,
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "severity": self.severity.label,
            "message": self.message,
            "location": self.location.to_dict(),
            "hint": self.hint,
            "details": self.details,
            "related": [loc.to_dict() for loc in self.related],
            "fingerprint": self.fingerprint,
        }
        if self.evidence:
            out["evidence"] = {"mark": self.evidence, "note": self.evidence_note}
        return out

    @property
    def evidence_text(self) -> str | None:
        """`confirmed — the trace saw SHARE on `orders`` (formatters put it after `lock trace:`)."""
        if not self.evidence:
            return None
        return f"{self.evidence} — {self.evidence_note}" if self.evidence_note else self.evidence


@dataclass(frozen=True, slots=True)
class Skip:
    """Rules that were selected but could not run, and why ("no --db given").

    `incomplete`: the check was asked for (a round trip with --db) but could not be carried out
    (env.py failed, the walk never reached head...): such a run is never "clean" (exit 2 when
    no finding explains it), unlike a check that was simply not requested."""

    codes: tuple[str, ...]
    reason: str
    incomplete: bool = False


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What formatters need to know about a rule that ran (SARIF rules[], docs links)."""

    code: str
    name: str
    summary: str
    doc: str
    severity: Severity
    family: str

    @property
    def help_uri(self) -> str:
        return rule_url(self.code)


@dataclass(frozen=True, slots=True)
class Report:
    root: Path
    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...] = ()
    skipped: tuple[Skip, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)  # heads, bases, timings: extra data for json
    # one entry per analysed Alembic environment: {"label", "ini", "section", "script_location",
    # "version_locations", "dialect", "dialect_reason", "heads", "notes", ..., "report": Report}
    # (the environment's own findings); empty for reports not made by api.check
    environments: tuple[dict[str, Any], ...] = ()

    def exit_code(self, fail_on: Severity = Severity.WARNING) -> int:
        """1: findings at `fail_on` or above; else 2 if a requested check could not run
        (`Skip.incomplete`: "could not analyse"); else 0."""
        if any(f.severity >= fail_on for f in self.findings):
            return 1
        return 2 if any(s.incomplete for s in self.skipped) else 0

    def counts(self) -> dict[str, int]:
        out = {s.label: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.label] += 1
        return out
