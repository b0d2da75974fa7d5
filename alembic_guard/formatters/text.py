"""Human output: `path:line:col: CODE message`, an indented hint, skipped checks, a summary."""

from __future__ import annotations

from typing import TextIO

from alembic_guard.findings import Report, Severity

_COLOURS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def render(report: Report, out: TextIO, colour: bool | None = None) -> None:
    if colour is None:
        colour = bool(getattr(out, "isatty", lambda: False)())

    def c(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    for f in report.findings:
        head = c(_BOLD, str(f.location))
        code = c(_COLOURS[f.severity], f"{f.code} [{f.severity.label}]")
        out.write(f"{head}: {code} {f.message}\n")
        if f.hint:
            out.write(f"  {c(_DIM, 'hint:')} {f.hint}\n")
        for rel in f.related:
            out.write(f"  {c(_DIM, 'see:')} {rel}\n")
        if f.details:
            for line in f.details.rstrip().splitlines():
                out.write(f"    {line}\n")
    if report.findings:
        out.write("\n")
    for skip in report.skipped:
        out.write(f"skipped {_codes(skip.codes)}: {skip.reason}\n")
    counts = report.counts()
    total = len(report.findings)
    if total == 0:
        summary = c(_BOLD, f"No findings ({len(report.rules)} rules checked).")
    else:
        parts = ", ".join(f"{n} {label}{'s' if n != 1 and label != 'info' else ''}" for label, n in reversed(counts.items()) if n)
        summary = c(_BOLD, f"Found {total} finding{'s' if total != 1 else ''} ({parts}) with {len(report.rules)} rules.")
    out.write(summary + "\n")


def _codes(codes: tuple[str, ...]) -> str:
    """AG301, AG302, AG303 -> 'AG301-AG303'-style compaction is avoided: list codes exactly."""
    return ", ".join(codes)
