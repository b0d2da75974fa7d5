"""RevisionGraph: the migration history as a DAG (edges point from down_revision to revision).

The builder is *total*: whatever the input (duplicate ids, dangling parents, cycles, unknown
depends_on targets, a label used twice), `RevisionGraph.build` never raises; every anomaly is
recorded as data for the rules to report. Results are sorted tuples, so output is deterministic.

The semantics follow Alembic's `RevisionMap`: `heads` are revisions that no other revision names
as a down_revision (depends_on does not make a head stop being a head), `bases` are revisions with
no down_revision. networkx is an implementation detail of this module, imported only when
the history is cyclic (strongly connected components, condensed upgrade order): an acyclic
history — the common case — is handled with plain dictionaries, which keeps `alembic-guard
graph` on thousands of revisions well under a second including interpreter start.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from alembic_guard.graph.revision import Revision


class RevisionGraph:
    __slots__ = (
        "_children",
        "_parents",
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
        "label_collisions",
        "header_defects",
        "dependency_cycles",
        "broken",
        "_order",
        "_labels_of",
        "_nx",
    )

    def __init__(self) -> None:  # use RevisionGraph.build
        self._revs: dict[str, Revision] = {}
        self._children: dict[str, set[str]] = {}
        self._parents: dict[str, set[str]] = {}
        self._order: tuple[str, ...] | None = None
        self._labels_of: dict[str, frozenset[str]] | None = None
        self._nx = None

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
        # a label that is also a revision id (its own or another's): Alembic's RevisionMap raises
        # "Branch name 'x' in revision a already used by revision x"
        self.label_collisions = tuple(sorted(
            (rev.id, label) for rev in self._revs.values() for label in rev.branch_labels if label in self._revs
        ))
        self.header_defects = tuple(sorted(
            (rev.id, *defect) for rev in self._revs.values() for defect in rev.defects
        ))

        children = self._children = {rid: set() for rid in self._revs}
        parents = self._parents = {rid: set() for rid in self._revs}
        dangling: set[tuple[str, str]] = set()
        unknown: set[tuple[str, str]] = set()
        for rev in self._revs.values():
            for parent in rev.down_revisions:
                if parent in self._revs:
                    children[parent].add(rev.id)
                    parents[rev.id].add(parent)
                else:
                    dangling.add((rev.id, parent))
            for dep in rev.depends_on:
                if dep not in self._revs and dep not in self.labels:
                    unknown.add((rev.id, dep))
        self.dangling = tuple(sorted(dangling))
        self.unknown_depends_on = tuple(sorted(unknown))

        self.heads = tuple(sorted(rid for rid, c in children.items() if not c))
        self.bases = tuple(sorted(r.id for r in self._revs.values() if not r.down_revisions))
        self.branch_points = tuple(sorted(rid for rid, c in children.items() if len(c) > 1))
        self.merge_points = tuple(sorted(r.id for r in self._revs.values() if len(set(r.down_revisions)) > 1))

        order, leftover = self._kahn()
        cycles: list[tuple[str, ...]] = []
        if leftover:
            # Only a cyclic history pays for networkx: strongly connected components of what
            # Kahn's algorithm could not order.
            g = self._networkx()
            sub = g.subgraph(leftover)
            import networkx as nx

            for component in nx.strongly_connected_components(sub):
                if len(component) > 1:
                    cycles.append(tuple(sorted(component)))
            for node in nx.nodes_with_selfloops(sub):
                cycles.append((node,))
        else:
            self._order = order
        self.cycles = tuple(sorted(cycles))
        self.dependency_cycles = self._dependency_cycles()

        # revisions that can never be applied: a missing parent or a cycle in their ancestry
        roots = {rid for rid, _ in self.dangling} | {m for c in self.cycles for m in c}
        self.broken = frozenset(self._reach(roots, self._children) | roots) if roots else frozenset()
        return self

    def _dependency_cycles(self) -> tuple[tuple[str, ...], ...]:
        """Cycles that exist only once `depends_on` counts as an edge (a revision depending on
        itself, or on a descendant): Alembic's RevisionMap raises DependencyLoopDetected /
        DependencyCycleDetected for them. Cycles of down_revision alone are in `cycles`."""
        deps: dict[str, set[str]] = {}
        for rev in self._revs.values():
            for dep in rev.depends_on:
                target = dep if dep in self._revs else self.labels.get(dep)
                if target is not None:
                    deps.setdefault(rev.id, set()).add(target)
        if not deps:
            return ()
        out: set[tuple[str, ...]] = {(rid,) for rid, targets in deps.items() if rid in targets}
        # parent -> child edges of down_revision and depends_on together (a dependency is applied
        # before its dependant, like a parent)
        edges: dict[str, set[str]] = {rid: set(c) for rid, c in self._children.items()}
        for rid, targets in deps.items():
            for target in targets:
                if target != rid:
                    edges[target].add(rid)
        indegree = {rid: 0 for rid in edges}
        for targets in edges.values():
            for t in targets:
                indegree[t] += 1
        ready = [rid for rid, d in indegree.items() if d == 0]
        done = 0
        while ready:
            rid = ready.pop()
            done += 1
            for t in edges[rid]:
                indegree[t] -= 1
                if indegree[t] == 0:
                    ready.append(t)
        if done < len(edges):
            import networkx as nx

            g = nx.DiGraph()
            g.add_edges_from((a, b) for a, bs in edges.items() for b in bs)
            plain = set(self.cycles)
            for component in nx.strongly_connected_components(g):
                if len(component) > 1 and tuple(sorted(component)) not in plain:
                    out.add(tuple(sorted(component)))
        return tuple(sorted(out))

    def _kahn(self) -> tuple[tuple[str, ...], set[str]]:
        """Lexicographic topological sort (smallest ready id first, as networkx's
        lexicographical_topological_sort); returns (order, ids that could not be ordered)."""
        indegree = {rid: len(p) for rid, p in self._parents.items()}
        ready = [rid for rid, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            rid = heapq.heappop(ready)
            order.append(rid)
            for child in self._children[rid]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, child)
        leftover = set(self._revs) - set(order) if len(order) != len(self._revs) else set()
        return tuple(order), leftover

    def _networkx(self):
        if self._nx is None:
            import networkx as nx

            g = nx.DiGraph()
            g.add_nodes_from(self._revs)
            g.add_edges_from((p, c) for c, ps in self._parents.items() for p in ps)
            self._nx = g
        return self._nx

    @staticmethod
    def _reach(starts: Iterable[str], adjacency: Mapping[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            node = stack.pop()
            for nxt in adjacency.get(node, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

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
        return tuple(sorted(self._children.get(revision_id, ())))

    def parents(self, revision_id: str) -> tuple[str, ...]:
        return tuple(sorted(self._parents.get(revision_id, ())))

    def upgrade_order(self) -> tuple[str, ...]:
        """Every revision once; parents before children; ties broken by id. Cycles are condensed
        (their members come together, sorted), so this is total even on a cyclic graph."""
        if self._order is None:
            import networkx as nx

            cond = nx.condensation(self._networkx())
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
        return frozenset(self._reach([revision_id], self._parents) - {revision_id}) if revision_id in self._revs else frozenset()

    def descendants(self, revision_id: str) -> frozenset[str]:
        return frozenset(self._reach([revision_id], self._children) - {revision_id}) if revision_id in self._revs else frozenset()

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
                    if parent.id != rev.id and (len(self._children[parent.id]) > 1 or len(parent.down_revisions) > 1):
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
        return tuple(sorted((p, c) for c, ps in self._parents.items() for p in ps))
