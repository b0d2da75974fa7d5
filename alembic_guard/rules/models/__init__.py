"""Rules of the models family (AG2xx): env.py's target_metadata against the project's models.

AG201-AG202, AG204-AG205 are static; AG206 needs --import; AG203 (drift at head) needs --db.
"""

from alembic_guard.rules.models.ag201_table_not_registered_in_env import table_not_registered_in_env
from alembic_guard.rules.models.ag202_target_metadata_missing import target_metadata_missing
from alembic_guard.rules.models.ag203_models_diverge_from_migrations import models_diverge_from_migrations
from alembic_guard.rules.models.ag204_model_on_other_metadata import model_on_other_metadata
from alembic_guard.rules.models.ag205_duplicate_table_name import duplicate_table_name
from alembic_guard.rules.models.ag206_env_import_probe_disagrees import env_import_probe_disagrees

RULES: tuple = (
    table_not_registered_in_env,
    target_metadata_missing,
    models_diverge_from_migrations,
    model_on_other_metadata,
    duplicate_table_name,
    env_import_probe_disagrees,
)
