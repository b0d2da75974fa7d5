"""Hypothesis invariants for RevisionGraph, with Alembic's own RevisionMap as the oracle."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alembic.script.revision import Revision as AlembicRevision
from alembic.script.revision import RevisionMap

from alembic_guard.findings import Location
from alembic_guard.graph import Revision, RevisionGraph
from alembic_guard.rules.graph.ag101_multiple_heads import multiple_heads

from pathlib import PurePosixPath


@st.composite
def histories(draw, max_size=25):
    """Valid histories: node i picks parents among nodes < i; some bases carry labels; some
    revisions depend_on earlier ones (ids or labels)."""
    n = draw(st.integers(min_value=1, max_value=max_size))
    ids = [f"r{i:03d}{draw(st.sampled_from(['', 'x', 'ab']))}" for i in range(n)]
    revs = []
    labels_used: dict[str, str] = {}
    for i, rid in enumerate(ids):
        if i == 0 or draw(st.integers(0, 9)) == 0:
            parents: tuple[str, ...] = ()
        else:
            k = draw(st.integers(1, min(3, i)))
            parents = tuple(sorted(set(draw(st.lists(st.sampled_from(ids[:i]), min_size=k, max_size=k)))))
        deps: tuple[str, ...] = ()
        if i > 1 and draw(st.integers(0, 5)) == 0:
            deps = (draw(st.sampled_from(ids[:i] + sorted(labels_used))),)
            if deps[0] in parents:
                deps = ()
        labels = frozenset()
        if not parents and draw(st.booleans()):
            label = f"tree{i}"
            labels = frozenset({label})
            labels_used[label] = rid
        revs.append(Revision(rid, parents, deps, labels))
    return revs


def alembic_map(revs: list[Revision]) -> RevisionMap:
    def gen():
        for r in revs:
            down = None if not r.down_revisions else (r.down_revisions[0] if len(r.down_revisions) == 1 else r.down_revisions)
            yield AlembicRevision(
                r.id,
                down,
                branch_labels=tuple(sorted(r.branch_labels)) or None,
                dependencies=(r.depends_on[0] if len(r.depends_on) == 1 else r.depends_on) or None,
            )

    return RevisionMap(gen)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_heads_and_bases_match_alembic(revs):
    g = RevisionGraph.build(revs)
    m = alembic_map(revs)
    assert set(g.heads) == set(m.heads)
    assert set(g.bases) == set(m.bases)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_structural_invariants(revs):
    g = RevisionGraph.build(revs)
    children = {r.id: set() for r in revs}
    for r in revs:
        for p in r.down_revisions:
            children[p].add(r.id)
    assert set(g.heads) == {rid for rid, c in children.items() if not c}
    assert set(g.bases) == {r.id for r in revs if not r.down_revisions}
    order = g.upgrade_order()
    assert sorted(order) == sorted(r.id for r in revs)
    pos = {rid: i for i, rid in enumerate(order)}
    for r in revs:
        for p in r.down_revisions:
            assert pos[p] < pos[r.id]
    assert g.cycles == () and g.dangling == () and not g.duplicates
    assert g.upgrade_order() == RevisionGraph.build(list(reversed(revs))).upgrade_order()  # deterministic


def _ag101_fires(revs) -> bool:
    g = RevisionGraph.build(revs)
    return any(True for _ in multiple_heads.func(g, _FakeProject()))


class _FakeProject:
    def config_location(self):
        return Location(PurePosixPath("alembic.ini"))


@settings(max_examples=100, deadline=None)
@given(histories())
def test_ag101_iff_heads_not_told_apart_by_labels(revs):
    g = RevisionGraph.build(revs)
    groups = g.heads_by_label()
    expected = any(len(h) > 1 for h in groups.values())
    assert _ag101_fires(revs) == expected
    if not any(r.branch_labels for r in revs):
        assert expected == (len(g.heads) > 1)


@st.composite
def faulty(draw):
    revs = draw(histories(max_size=15))
    fault = draw(st.sampled_from(["dangling", "back_edge", "duplicate", "self_loop"]))
    i = draw(st.integers(0, len(revs) - 1))
    target = revs[i]
    if fault == "dangling":
        revs[i] = Revision(target.id, target.down_revisions + ("ghost_" + target.id,), target.depends_on, target.branch_labels)
    elif fault == "duplicate":
        revs.append(Revision(target.id, (), (), frozenset()))
    elif fault == "self_loop":
        revs[i] = Revision(target.id, target.down_revisions + (target.id,), target.depends_on, target.branch_labels)
    else:  # back edge: an ancestor points at a descendant (or the node itself when alone)
        j = draw(st.integers(i, len(revs) - 1))
        desc = revs[j]
        anc = revs[i]
        revs[i] = Revision(anc.id, anc.down_revisions + (desc.id,), anc.depends_on, anc.branch_labels)
    return fault, target.id, revs


@settings(max_examples=200, deadline=None)
@given(faulty())
def test_faults_never_raise_and_are_named(case):
    fault, rid, revs = case
    g = RevisionGraph.build(revs)
    order = g.upgrade_order()
    assert set(order) == {r.id for r in revs}
    if fault == "dangling":
        assert (rid, "ghost_" + rid) in g.dangling
    elif fault == "duplicate":
        assert rid in g.duplicates
    elif fault == "self_loop":
        assert any(rid in c for c in g.cycles)
    else:
        # the back edge only makes a cycle if the pointed-at revision descends from rid (or is rid)
        cyc_members = {m for c in g.cycles for m in c}
        rev = next(r for r in revs if r.id == rid)
        back = rev.down_revisions[-1]
        if back == rid or rid in _ancestors_ignoring(revs, back, rid):
            assert rid in cyc_members and back in cyc_members


def _ancestors_ignoring(revs, start, skip_edge_from):
    parents = {r.id: set(r.down_revisions) for r in revs}
    seen, stack = set(), [start]
    while stack:
        n = stack.pop()
        for p in parents.get(n, ()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


@settings(max_examples=100, deadline=None)
@given(histories())
def test_upgrade_order_equals_networkx_lexicographic_sort(revs):
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(r.id for r in revs)
    g.add_edges_from((p, r.id) for r in revs for p in r.down_revisions)
    assert RevisionGraph.build(revs).upgrade_order() == tuple(nx.lexicographical_topological_sort(g))
