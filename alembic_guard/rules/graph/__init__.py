"""Revision-graph rules (AG1xx): the shape of the history, read statically."""

from alembic_guard.rules.graph.ag101_multiple_heads import multiple_heads

RULES = (multiple_heads,)
