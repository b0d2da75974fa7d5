from app.db import Base


class Scratch(Base):
    """Test-only model: tests are not scanned."""
    __tablename__ = "scratch"
