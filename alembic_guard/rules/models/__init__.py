"""Rules of the models family. RULES lists them in code order; keep one rule per module."""

RULES: tuple = ()

# --- drift at head (roundtrip kind, needs --db): owned by the roundtrip work -------------------
from alembic_guard.rules.models.ag203_models_diverge_from_migrations import models_diverge_from_migrations  # noqa: E402

RULES = RULES + (models_diverge_from_migrations,)
