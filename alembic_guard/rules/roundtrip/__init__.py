"""Rules of the roundtrip family. RULES lists them in code order; keep one rule per module."""

from alembic_guard.rules.roundtrip.ag300_roundtrip_not_representative import roundtrip_not_representative
from alembic_guard.rules.roundtrip.ag301_upgrade_fails import upgrade_fails
from alembic_guard.rules.roundtrip.ag302_downgrade_fails import downgrade_fails
from alembic_guard.rules.roundtrip.ag303_downgrade_leaves_trace import downgrade_leaves_trace
from alembic_guard.rules.roundtrip.ag304_reupgrade_fails import reupgrade_fails
from alembic_guard.rules.roundtrip.ag305_irreversible_revision_floor import irreversible_revision_floor
from alembic_guard.rules.roundtrip.ag306_upgrade_fails_with_data import upgrade_fails_with_data
from alembic_guard.rules.roundtrip.ag307_migration_step_timeout import migration_step_timeout
from alembic_guard.rules.roundtrip.ag308_async_env_sync_driver import async_env_sync_driver
from alembic_guard.rules.roundtrip.ag309_migration_ends_process import migration_ends_process
from alembic_guard.rules.roundtrip.ag310_access_exclusive_held_across_statements import access_exclusive_held_across_statements
from alembic_guard.rules.roundtrip.ag311_table_rewritten import table_rewritten
from alembic_guard.rules.roundtrip.ag312_lock_on_unnamed_table import lock_on_unnamed_table
from alembic_guard.rules.roundtrip.ag313_full_scan_under_lock import full_scan_under_lock

RULES: tuple = (
    roundtrip_not_representative,
    upgrade_fails,
    downgrade_fails,
    downgrade_leaves_trace,
    reupgrade_fails,
    irreversible_revision_floor,
    upgrade_fails_with_data,
    migration_step_timeout,
    async_env_sync_driver,
    migration_ends_process,
    access_exclusive_held_across_statements,
    table_rewritten,
    lock_on_unnamed_table,
    full_scan_under_lock,
)
