"""The revision graph: pure data, no files, no networkx in the public surface."""

from alembic_guard.graph.revision import Revision
from alembic_guard.graph.revision_graph import RevisionGraph

__all__ = ["Revision", "RevisionGraph"]
