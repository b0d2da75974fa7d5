from app.db import Base
from .order import Order
from .user import User

__all__ = ["Base", "Order", "User"]
