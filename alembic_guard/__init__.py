"""alembic-guard: catch the Alembic migration that would break production, before it merges."""

from alembic_guard.api import check
from alembic_guard.findings import Finding, Location, Report, Severity

__version__ = "0.1.0"

__all__ = ["Finding", "Location", "Report", "Severity", "__version__", "check"]
