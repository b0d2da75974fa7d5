"""Models. env.py imports this package; it imports the models it knows about."""
from app.db import Base
from app.models.user import User

__all__ = ["Base", "User"]
