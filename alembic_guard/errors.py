"""Reasons alembic-guard could not analyse a project (as opposed to: it found problems).

The CLI translates every GuardError exactly once, at the edge, into exit code 2 and a message.
"""

from __future__ import annotations

from pathlib import Path


class GuardError(Exception):
    """alembic-guard could not analyse the project."""

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ProjectNotFound(GuardError):
    def __init__(self, message: str, searched: tuple[Path, ...] = (), hint: str | None = None):
        super().__init__(message, hint=hint)
        self.searched = searched


class SettingsError(GuardError):
    def __init__(self, message: str, *, key: str | None = None, source: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.key = key
        self.source = source


class UnknownRuleCode(SettingsError):
    def __init__(self, code: str, suggestions: tuple[str, ...] = (), source: str | None = None):
        msg = f"unknown rule code or prefix {code!r}"
        if source:
            msg += f" (in {source})"
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else "run `alembic-guard rules` for the list"
        super().__init__(msg, key=code, source=source, hint=hint)
        self.code = code
        self.suggestions = suggestions


class DatabaseUnavailable(GuardError):
    """A database could not be reached or created. `url` is always password-masked."""

    def __init__(self, message: str, *, url: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.url = url
