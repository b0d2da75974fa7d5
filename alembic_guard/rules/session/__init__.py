"""Rules of the session family (AG5xx): engines and pools, session lifecycle, async, loading
strategy, error recovery. RULES lists them in code order; keep one rule per module."""

from alembic_guard.rules.session.ag501_pool_pre_ping_disabled import pool_pre_ping_disabled
from alembic_guard.rules.session.ag502_pool_recycle_missing_or_too_long import pool_recycle_missing_or_too_long
from alembic_guard.rules.session.ag503_pool_options_with_nullpool import pool_options_with_nullpool
from alembic_guard.rules.session.ag504_sqlite_memory_pool_across_threads import sqlite_memory_pool_across_threads
from alembic_guard.rules.session.ag510_detached_lazy_load import detached_lazy_load
from alembic_guard.rules.session.ag511_expired_attribute_after_commit import expired_attribute_after_commit
from alembic_guard.rules.session.ag512_session_not_closed import session_not_closed
from alembic_guard.rules.session.ag520_sync_session_in_async import sync_session_in_async
from alembic_guard.rules.session.ag521_async_engine_driver_mismatch import async_engine_driver_mismatch
from alembic_guard.rules.session.ag522_lazy_load_in_async import lazy_load_in_async
from alembic_guard.rules.session.ag523_shared_async_session_in_gather import shared_async_session_in_gather
from alembic_guard.rules.session.ag530_n_plus_one_loop import n_plus_one_loop
from alembic_guard.rules.session.ag531_joined_eager_collection import joined_eager_collection
from alembic_guard.rules.session.ag540_integrity_error_without_rollback import integrity_error_without_rollback
from alembic_guard.rules.session.ag541_sqlite_async_writers import sqlite_async_writers
from alembic_guard.rules.session.ag550_legacy_query_api import legacy_query_api

RULES = (
    pool_pre_ping_disabled,
    pool_recycle_missing_or_too_long,
    pool_options_with_nullpool,
    sqlite_memory_pool_across_threads,
    detached_lazy_load,
    expired_attribute_after_commit,
    session_not_closed,
    sync_session_in_async,
    async_engine_driver_mismatch,
    lazy_load_in_async,
    shared_async_session_in_gather,
    n_plus_one_loop,
    joined_eager_collection,
    integrity_error_without_rollback,
    sqlite_async_writers,
    legacy_query_api,
)
