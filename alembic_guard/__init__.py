"""alembic-guard: catch the Alembic migration that would break production, before it merges."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.2.0"

__all__ = ["Finding", "Location", "Report", "Severity", "__version__", "check"]

# The public names are imported on first use: `import alembic_guard` (done by every CLI command)
# must not pull in the engine and every rule — `alembic-guard graph` needs neither.
_LAZY = {
    "check": "alembic_guard.api",
    "Finding": "alembic_guard.findings",
    "Location": "alembic_guard.findings",
    "Report": "alembic_guard.findings",
    "Severity": "alembic_guard.findings",
}

if TYPE_CHECKING:  # pragma: no cover
    from alembic_guard.api import check
    from alembic_guard.findings import Finding, Location, Report, Severity


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
