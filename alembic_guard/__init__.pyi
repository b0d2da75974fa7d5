# Types of the public names alembic_guard/__init__.py imports on first use (see there).
from alembic_guard.api import check as check
from alembic_guard.findings import Finding as Finding
from alembic_guard.findings import Location as Location
from alembic_guard.findings import Report as Report
from alembic_guard.findings import Severity as Severity

__version__: str
__all__: list[str]
