"""`from app.models import *` imports the submodules named in __all__."""
from app.db import Base

__all__ = ["Base", "user", "order"]
