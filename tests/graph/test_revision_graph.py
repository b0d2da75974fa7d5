"""Tiny literal shapes: linear, diamond, two heads, cycle, dangling, duplicate, labels."""

from __future__ import annotations

import pytest

from alembic_guard.graph import Revision, RevisionGraph


def R(rid, down=(), deps=(), labels=()):
    if isinstance(down, str):
        down = (down,)
    if isinstance(deps, str):
        deps = (deps,)
    return Revision(rid, tuple(down), tuple(deps), frozenset(labels))


def test_linear():
    g = RevisionGraph.build([R("c", "b"), R("a"), R("b", "a")])
    assert g.heads == ("c",)
    assert g.bases == ("a",)
    assert g.upgrade_order() == ("a", "b", "c")
    assert g.branch_points == () and g.merge_points == () and g.cycles == () and g.dangling == ()
    assert g.ancestors("c") == {"a", "b"} and g.descendants("a") == {"b", "c"}


def test_diamond_is_merged():
    g = RevisionGraph.build([R("a"), R("b", "a"), R("c", "a"), R("d", ("b", "c"))])
    assert g.heads == ("d",)
    assert g.branch_points == ("a",)
    assert g.merge_points == ("d",)
    order = g.upgrade_order()
    assert order.index("a") < order.index("b") < order.index("d")
    assert order.index("c") < order.index("d")


def test_two_heads():
    g = RevisionGraph.build([R("a"), R("b", "a"), R("c", "a")])
    assert g.heads == ("b", "c")
    assert g.heads_by_label() == {None: ("b", "c")}


def test_labelled_heads_are_grouped_per_label():
    g = RevisionGraph.build([R("a"), R("e1", "a", labels={"expand"}), R("c1", "a", labels={"contract"}), R("e2", "e1")])
    assert g.heads == ("c1", "e2")
    assert g.heads_by_label() == {"contract": ("c1",), "expand": ("e2",)}
    assert g.labels_of("e2") == {"expand"}
    # the shared trunk is a branch point: labels do not climb past it
    assert g.labels_of("a") == frozenset()


def test_label_climbs_to_base_of_an_independent_tree():
    g = RevisionGraph.build([R("p1", labels={"plugin"}), R("p2", "p1"), R("m1")])
    assert g.labels_of("p2") == {"plugin"}
    assert g.labels_of("m1") == frozenset()


def test_cycle_is_recorded_and_order_is_total():
    g = RevisionGraph.build([R("a"), R("b", ("a", "c")), R("c", "b"), R("d", "c")])
    assert g.cycles == (("b", "c"),)
    order = g.upgrade_order()
    assert sorted(order) == ["a", "b", "c", "d"]
    assert order.index("a") < order.index("b") and order.index("c") < order.index("d")


def test_self_loop():
    g = RevisionGraph.build([R("a", "a")])
    assert g.cycles == (("a",),)
    assert g.upgrade_order() == ("a",)


def test_dangling_parent_and_unknown_depends_on():
    g = RevisionGraph.build([R("a"), R("b", "gone"), R("c", "a", deps=("nope", "a")), R("d", "b", deps=("plugin",)), R("p", labels={"plugin"})])
    assert g.dangling == (("b", "gone"),)
    assert g.unknown_depends_on == (("c", "nope"),)
    assert "b" not in g.bases  # a revision with a missing parent is not a base


def test_duplicates_keep_first_and_record_all():
    first, second = R("a"), R("a", "x")
    g = RevisionGraph.build([first, second, R("b", "a")])
    assert len(g) == 2
    assert g["a"] is first
    assert g.duplicates == {"a": (first, second)}


def test_duplicate_labels():
    g = RevisionGraph.build([R("a", labels={"x"}), R("b", labels={"x"})])
    assert dict(g.duplicate_labels) == {"x": ("a", "b")}


def test_empty():
    g = RevisionGraph.build([])
    assert (g.heads, g.bases, g.upgrade_order()) == ((), (), ())


@pytest.mark.parametrize("rid", ["missing", ""])
def test_queries_on_unknown_ids_do_not_raise(rid):
    g = RevisionGraph.build([R("a")])
    assert g.ancestors(rid) == frozenset() and g.descendants(rid) == frozenset()
    assert g.children(rid) == () and g.parents(rid) == () and g.get(rid) is None


def test_heads_behind_a_missing_parent_are_not_counted_as_extra_heads():
    g = RevisionGraph.build([R("a"), R("c", "gone"), R("d", "c")])
    assert g.heads == ("a", "d")
    assert g.broken == {"c", "d"}
    assert g.heads_by_label() == {None: ("a",)}
    assert g.heads_by_label(include_broken=True) == {None: ("a", "d")}
