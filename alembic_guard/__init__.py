"""alembic-guard: catch the Alembic migration that would break production, before it merges."""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

__all__ = ["Finding", "Location", "Report", "Severity", "__version__", "check"]

# start-up cost: the public names are imported on first use. `import alembic_guard` (done by every
# CLI command, and by any module that reads __version__) must not pull in the engine and every
# rule — `alembic-guard graph` needs neither. This module imports none of its own package, so it
# sits below every layer; type checkers read the names from __init__.pyi.
_LAZY = {
    "check": "alembic_guard.api",
    "Finding": "alembic_guard.findings",
    "Location": "alembic_guard.findings",
    "Report": "alembic_guard.findings",
    "Severity": "alembic_guard.findings",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
