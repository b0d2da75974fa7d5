"""Turning what a failed migration step raised into report text: the masked error, the SQL the
database rejected, the line of the revision file (or env.py) it came from, and whether it was a
timeout; and telling a failure of the project's own code from one of the transaction it ran in.

This module owns that description. It must not decide what the walk does next (that is
`sandbox.roundtrip`) and must never let a password through (everything goes through
`mask_secrets`).
"""

from __future__ import annotations

import traceback

import sqlalchemy as sa

from alembic_guard.masking import mask_secrets

OUTSIDE_TX_ERRORS = ("cannot run inside a transaction block", "cannot be executed from a function or multi-command string")
_TIMEOUT_MARKERS = (
    "statement timeout", "lock timeout", "canceling statement due to",
    "max_statement_time", "lock wait timeout exceeded", "maximum statement execution time exceeded",
)


def describe_error(exc: BaseException, files: dict[str, str]) -> tuple[str, str | None, int | None, bool]:
    """(masked error text, failing SQL, line in one of `files` (abs path -> revision), timeout?)"""
    statement = None
    if isinstance(exc, sa.exc.StatementError):
        statement = " ".join(str(exc.statement or "").split()) or None
        orig = exc.orig if exc.orig is not None else exc
        text = f"{type(orig).__name__}: {str(orig).strip()}"
    else:
        text = f"{type(exc).__name__}: {exc}".strip()
        frames = traceback.extract_tb(exc.__traceback__)
        if text.endswith(":") and frames and frames[-1].line:  # a bare `assert x == y`: show it
            text = f"{text} {frames[-1].line.strip()}"
    text = "\n".join(line for line in text.splitlines()[:8] if line.strip())
    line = None
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename in files:
            line = frame.lineno
            break
    low = text.lower()
    timeout = any(m in low for m in _TIMEOUT_MARKERS) or getattr(getattr(exc, "orig", None), "pgcode", None) in ("57014", "55P03")
    return mask_secrets(text), mask_secrets(statement) if statement else None, line, timeout


def own_code_raised(exc: BaseException, files: dict[str, str], root: str) -> bool:
    """The exception comes from the project's own code (an `assert` in upgrade(), a helper
    module under `root`), not from Alembic or SQLAlchemy: the migration failed, whatever the
    transaction."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    where = frames[-1].filename
    if where in files:
        return True
    return where.startswith(root) and "site-packages" not in where
