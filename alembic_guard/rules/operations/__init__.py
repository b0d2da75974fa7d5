"""Rules of the operations family (AG4xx). RULES lists them in code order; one rule per module."""

from alembic_guard.rules.operations.ag401_create_index_not_concurrently import create_index_not_concurrently
from alembic_guard.rules.operations.ag402_concurrent_index_in_transaction import concurrent_index_in_transaction
from alembic_guard.rules.operations.ag403_column_type_change import column_type_change
from alembic_guard.rules.operations.ag404_foreign_key_validated_on_add import foreign_key_validated_on_add
from alembic_guard.rules.operations.ag405_not_null_column_without_server_default import not_null_column_without_server_default
from alembic_guard.rules.operations.ag406_volatile_default import volatile_default
from alembic_guard.rules.operations.ag407_set_not_null_on_existing_column import set_not_null_on_existing_column
from alembic_guard.rules.operations.ag408_unique_or_primary_key_on_existing_table import unique_or_primary_key_on_existing_table
from alembic_guard.rules.operations.ag409_check_constraint_validated_on_add import check_constraint_validated_on_add
from alembic_guard.rules.operations.ag410_drop_column import drop_column
from alembic_guard.rules.operations.ag411_drop_table import drop_table
from alembic_guard.rules.operations.ag412_column_rename import column_rename
from alembic_guard.rules.operations.ag413_table_rename import table_rename
from alembic_guard.rules.operations.ag414_drop_index_not_concurrently import drop_index_not_concurrently
from alembic_guard.rules.operations.ag415_enum_value_change import enum_value_change
from alembic_guard.rules.operations.ag416_missing_lock_timeout import missing_lock_timeout
from alembic_guard.rules.operations.ag417_int_primary_key import int_primary_key
from alembic_guard.rules.operations.ag418_varchar_with_length import varchar_with_length
from alembic_guard.rules.operations.ag419_timestamp_without_time_zone import timestamp_without_time_zone
from alembic_guard.rules.operations.ag420_data_backfill_in_schema_migration import data_backfill_in_schema_migration
from alembic_guard.rules.operations.ag421_raw_sql_not_analysed import raw_sql_not_analysed
from alembic_guard.rules.operations.ag422_migration_imports_app_models import migration_imports_app_models
from alembic_guard.rules.operations.ag423_revision_not_analysed import revision_not_analysed
from alembic_guard.rules.operations.ag424_offline_render_fails import offline_render_fails
from alembic_guard.rules.operations.ag425_missing_statement_timeout import missing_statement_timeout
from alembic_guard.rules.operations.ag426_identifier_too_long import identifier_too_long

RULES = (
    create_index_not_concurrently,
    concurrent_index_in_transaction,
    column_type_change,
    foreign_key_validated_on_add,
    not_null_column_without_server_default,
    volatile_default,
    set_not_null_on_existing_column,
    unique_or_primary_key_on_existing_table,
    check_constraint_validated_on_add,
    drop_column,
    drop_table,
    column_rename,
    table_rename,
    drop_index_not_concurrently,
    enum_value_change,
    missing_lock_timeout,
    int_primary_key,
    varchar_with_length,
    timestamp_without_time_zone,
    data_backfill_in_schema_migration,
    raw_sql_not_analysed,
    migration_imports_app_models,
    revision_not_analysed,
    offline_render_fails,
    missing_statement_timeout,
    identifier_too_long,
)
