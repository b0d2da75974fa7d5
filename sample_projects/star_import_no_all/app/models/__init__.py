"""No __all__: `from app.models import *` does not import user.py or order.py."""
from app.db import Base  # noqa: F401
