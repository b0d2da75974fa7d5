"""Revision-graph rules (AG1xx): the shape of the history, read statically."""

from alembic_guard.rules.graph.ag101_multiple_heads import multiple_heads
from alembic_guard.rules.graph.ag102_missing_down_revision import missing_down_revision
from alembic_guard.rules.graph.ag103_revision_cycle import revision_cycle
from alembic_guard.rules.graph.ag104_duplicate_revision_id import duplicate_revision_id
from alembic_guard.rules.graph.ag105_multiple_bases import multiple_bases
from alembic_guard.rules.graph.ag106_unknown_depends_on import unknown_depends_on
from alembic_guard.rules.graph.ag107_filename_revision_mismatch import filename_revision_mismatch
from alembic_guard.rules.graph.ag108_irreversible_downgrade import irreversible_downgrade
from alembic_guard.rules.graph.ag109_revision_will_create_second_head import revision_will_create_second_head
from alembic_guard.rules.graph.ag110_duplicate_branch_label import duplicate_branch_label
from alembic_guard.rules.graph.ag111_stale_linear_history_marker import stale_linear_history_marker
from alembic_guard.rules.graph.ag112_invalid_revision_identifier import invalid_revision_identifier

RULES = (
    multiple_heads,
    missing_down_revision,
    revision_cycle,
    duplicate_revision_id,
    multiple_bases,
    unknown_depends_on,
    duplicate_branch_label,
    filename_revision_mismatch,
    irreversible_downgrade,
    revision_will_create_second_head,
    stale_linear_history_marker,
    invalid_revision_identifier,
)
