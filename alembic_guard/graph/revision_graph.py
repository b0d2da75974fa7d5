"""RevisionGraph: the migration history as a DAG (edges point from down_revision to revision).

The builder is *total*: whatever the input (duplicate ids, dangling parents, cycles, unknown
depends_on targets, a label used twice), `RevisionGraph.build` never raises; every anomaly is
recorded as data for the rules to report. Results are sorted tuples, so output is deterministic.

The semantics follow Alembic's `RevisionMap`: `heads` are revisions that no other revision names
as a down_revision (depends_on does not make a head stop being a head), `bases` are revisions with
no down_revision. networkx is an implementation detail of this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import networkx as nx

from alembic_guard.graph.revision import Revision


class RevisionGraph:
    __slots__ = (
        "_g",
        "_revs",
        "heads",
        "bases",
        "branch_points",
        "merge_points",
        "duplicates",
        "dangling",
        "cycles",
        "unknown_depends_on",
        "labels",
        "duplicate_labels",
        "_order",
        "_labels_of",
        "broken",
    )

    def __init__(self) -> None:  # use RevisionGraph.build
        self._g: nx.DiGraph = nx.DiGraph()
        self._revs: dict[str, Revision] = {}
        self._order: tuple[str, ...] | None = None
        self._labels_of: dict[str, frozenset[str]] | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, revisions: Iterable[Revision]) -> "RevisionGraph":
        self = cls()
        dups: dict[str, list[Revision]] = {}
        for rev in revisions:
            if rev.id in self._revs:
                dups.setdefault(rev.id, [self._revs[rev.id]]).append(rev)
                continue
            self._revs[rev.id] = rev
        self.duplicates = MappingProxyType({k: tuple(v) for k, v in sorted(dups.items())})

        labels: dict[str, list[str]] = {}
        for rev in self._revs.values():
            for label in rev.branch_labels:
                labels.setdefault(label, []).append(rev.id)
        self.labels = MappingProxyType({k: v[0] for k, v in sorted(labels.items())})
        self.duplicate_labels = MappingProxyType(
            {k: tuple(sorted(v)) for k, v in sorted(labels.items()) if len(v) > 1}
        )

        g = self._g
        g.add_nodes_from(self._revs)
        dangling: list[tuple[str, str]] = []
        for rev in self._revs.values():
            for parent in rev.down_revisions:
                if parent in self._revs:
                    g.add_edge(parent, rev.id)
                else:
                    dangling.append((rev.id, parent))
        self.dangling = tuple(sorted(set(dangling)))

        unknown: list[tuple[str, str]] = []
        for rev in self._revs.values():
            for dep in rev.depends_on:
                if dep not in self._revs and dep not in self.labels:
                    unknown.append((rev.id, dep))
        self.unknown_depends_on = tuple(sorted(set(unknown)))

        self.heads = tuple(sorted(n for n in g.nodes if g.out_degree(n) == 0))
        self.bases = tuple(sorted(r.id for r in self._revs.values() if not r.down_revisions))
        self.branch_points = tuple(sorted(n for n in g.nodes if g.out_degree(n) > 1))
        self.merge_points = tuple(sorted(r.id for r in self._revs.values() if len(set(r.down_revisions)) > 1))

        cycles: list[tuple[str, ...]] = []
        for component in nx.strongly_connected_components(g):
            if len(component) > 1:
                cycles.append(tuple(sorted(component)))
        for node in nx.nodes_with_selfloops(g):
            cycles.append((node,))
        self.cycles = tuple(sorted(cycles))

        # revisions that can never be applied: a missing parent or a cycle in their ancestry
        roots = {rid for rid, _ in self.dangling} | {m for c in self.cycles for m in c}
        broken: set[str] = set(roots)
        for rid in roots:
            broken |= nx.descendants(g, rid)
        self.broken = frozenset(broken)
        return self

    # ------------------------------------------------------------------ queries
    def __contains__(self, revision_id: object) -> bool:
        return revision_id in self._revs

    def __getitem__(self, revision_id: str) -> Revision:
        return self._revs[revision_id]

    def __len__(self) -> int:
        return len(self._revs)

    def __iter__(self):
        return iter(self.upgrade_order())

    def get(self, revision_id: str) -> Revision | None:
        return self._revs.get(revision_id)

    @property
    def revisions(self) -> Mapping[str, Revision]:
        return MappingProxyType(self._revs)

    def children(self, revision_id: str) -> tuple[str, ...]:
        if revision_id not in self._g:
            return ()
        return tuple(sorted(self._g.successors(revision_id)))

    def parents(self, revision_id: str) -> tuple[str, ...]:
        if revision_id not in self._g:
            return ()
        return tuple(sorted(self._g.predecessors(revision_id)))

    def upgrade_order(self) -> tuple[str, ...]:
        """Every revision once; parents before children; ties broken by id. Cycles are condensed
        (their members come together, sorted), so this is total even on a cyclic graph."""
        if self._order is None:
            if not self.cycles:
                self._order = tuple(nx.lexicographical_topological_sort(self._g))
            else:
                cond = nx.condensation(self._g)
                members = cond.graph["mapping"]  # node -> scc index
                groups: dict[int, list[str]] = {}
                for node, idx in members.items():
                    groups.setdefault(idx, []).append(node)
                key = {idx: min(nodes) for idx, nodes in groups.items()}
                order: list[str] = []
                for idx in nx.lexicographical_topological_sort(cond, key=lambda i: key[i]):
                    order.extend(sorted(groups[idx]))
                self._order = tuple(order)
        return self._order

    def ancestors(self, revision_id: str) -> frozenset[str]:
        if revision_id not in self._g:
            return frozenset()
        return frozenset(nx.ancestors(self._g, revision_id))

    def descendants(self, revision_id: str) -> frozenset[str]:
        if revision_id not in self._g:
            return frozenset()
        return frozenset(nx.descendants(self._g, revision_id))

    def unreachable_from(self, base: str) -> tuple[str, ...]:
        """Revisions that are not `base` nor one of its descendants."""
        reach = self.descendants(base) | {base}
        return tuple(sorted(set(self._revs) - reach))

    def labels_of(self, revision_id: str) -> frozenset[str]:
        """Branch labels that apply to a revision, propagated as Alembic does: from the labelled
        revision to all its descendants, and up its ancestors until a branch or merge point."""
        if self._labels_of is None:
            acc: dict[str, set[str]] = {rid: set() for rid in self._revs}
            for rev in self._revs.values():
                if not rev.branch_labels:
                    continue
                acc[rev.id].update(rev.branch_labels)
                for d in self.descendants(rev.id):
                    acc[d].update(rev.branch_labels)
                parent = rev
                seen = {rev.id}
                while parent is not None:
                    if parent.id != rev.id and (len(self.children(parent.id)) > 1 or len(parent.down_revisions) > 1):
                        break
                    acc[parent.id].update(rev.branch_labels)
                    ups = [p for p in parent.down_revisions if p in self._revs]
                    if len(ups) != 1 or ups[0] in seen:
                        break
                    seen.add(ups[0])
                    parent = self._revs[ups[0]]
            self._labels_of = {k: frozenset(v) for k, v in acc.items()}
        return self._labels_of.get(revision_id, frozenset())

    def heads_by_label(self, include_broken: bool = False) -> dict[str | None, tuple[str, ...]]:
        """Heads grouped by the branch labels they carry (None: heads with no label). Heads in
        `broken` (behind a missing parent or a cycle) are left out unless asked for: they are
        reported by the rules about the missing parent or the cycle."""
        out: dict[str | None, list[str]] = {}
        for head in self.heads:
            if head in self.broken and not include_broken:
                continue
            labels = self.labels_of(head)
            if not labels:
                out.setdefault(None, []).append(head)
            for label in labels:
                out.setdefault(label, []).append(head)
        return {k: tuple(v) for k, v in sorted(out.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))}

    def edges(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self._g.edges))
