"""Meta rules (AG0xx): the run itself — crashes, suppressions, unreadable files."""

from alembic_guard.rules.meta.ag000_internal_error import internal_error
from alembic_guard.rules.meta.ag001_unused_suppression import unused_suppression
from alembic_guard.rules.meta.ag002_unknown_suppression_code import unknown_suppression_code
from alembic_guard.rules.meta.ag003_migration_syntax_error import unreadable_revision_file
from alembic_guard.rules.meta.ag004_unresolved_revision_header import unresolved_revision_header
from alembic_guard.rules.meta.ag005_skipped_version_entry import skipped_version_entry

RULES = (
    internal_error,
    unused_suppression,
    unknown_suppression_code,
    unreadable_revision_file,
    unresolved_revision_header,
    skipped_version_entry,
)
