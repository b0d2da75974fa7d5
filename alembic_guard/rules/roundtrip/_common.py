"""Shared helpers of the round-trip rules: where a step points, and how its error is shown."""

from __future__ import annotations

from pathlib import PurePosixPath

from alembic_guard.findings import Location


def revision_location(project, revision: str, line: int | None = None, func: str | None = None) -> Location:
    """The revision file at the failing line (else at `def <func>`), carrying the revision id."""
    if not revision:
        return Location(project.relpath(project.layout.env_py), line, 1 if line else None)
    mig = project.by_revision.get(revision)
    if mig is None:
        return Location(PurePosixPath("."), revision=revision)
    if line is None and func and func in mig.functions:
        line = mig.functions[func].lineno
    return mig.location(line)


def headline(error: str | None) -> str:
    """First line of a database error, without the driver's class name noise."""
    text = (error or "unknown error").strip().splitlines()[0]
    return text if len(text) <= 200 else text[:197] + "..."


def step_details(step) -> str:
    parts = []
    if step.statement:
        parts.append(f"SQL: {step.statement}")
    if step.error:
        parts.append(f"error: {step.error}")
    return "\n".join(parts)


FUNC = {"upgrade": "upgrade", "reupgrade": "upgrade", "downgrade": "downgrade"}


def lock_trace(result):
    """The round trip's lock trace (`alembic_guard.trace.model.Trace`), or None: traced on
    PostgreSQL only, so the AG31x rules stay silent without one."""
    return getattr(result, "trace", None)


def statement_label(statement) -> str:
    """A traced statement for a message: its line and the start of its SQL."""
    sql = statement.sql if len(statement.sql) <= 80 else statement.sql[:77] + "..."
    where = f"line {statement.line}" if statement.line is not None else "a statement"
    return f"{where} (`{sql}`)"


def upper_first(text: str) -> str:
    """`line 3 (...)` -> `Line 3 (...)`; unlike str.capitalize, the rest keeps its case."""
    return text[:1].upper() + text[1:]
