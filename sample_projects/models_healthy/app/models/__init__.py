"""Every model module is imported here, so `import app.models` registers them all."""
from typing import TYPE_CHECKING

from app.db import Base
from app.models import catalog, people  # noqa: F401
from app.models.links import tag_links  # noqa: F401

if TYPE_CHECKING:
    from app.models.people import Person  # noqa: F401

__all__ = ["Base"]
