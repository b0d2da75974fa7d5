"""Revision: one node of the migration history, as read from a revision file's header."""

from __future__ import annotations

from dataclasses import dataclass

from alembic_guard.findings import Location


def normalise_ids(value: object) -> tuple[str, ...]:
    """None / "" -> (); "a" -> ("a",); ("a", "b") / ["a", "b"] -> ("a", "b"); "a,b" stays one id.

    Mirrors Alembic's `util.to_tuple` for down_revision / depends_on values.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(str(v) for v in value if v is not None and v != "")
    return (str(value),)


# What Alembic does with a malformed identifier in a revision header (alembic 1.20): the graph
# rules name it in their messages.
EMPTY_ID = "empty"  # "" as an identifier: Alembic looks it up and fails (`KeyError: ''`)
NOT_A_STRING = "not-a-string"  # `branch_labels = 5`: `alembic heads/history` fail with TypeError
REPEATED = "repeated"  # a label twice in one revision: RevisionError "Branch name 'x' ... already used"


def header_defects(field: str, value: object) -> tuple[tuple[str, str, str], ...]:
    """(field, kind, repr of the item) for each identifier in a header value that Alembic cannot
    use: empty strings (alone or inside a tuple), items that are not strings, a label repeated
    within the same revision. `None` and `()` are fine (no identifier at all)."""
    if value is None:
        return ()
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for item in items:
        if item is None and len(items) > 1:
            out.append((field, NOT_A_STRING, repr(item)))
        elif item is None:
            continue
        elif not isinstance(item, str):
            out.append((field, NOT_A_STRING, repr(item)))
        elif not item.strip():
            out.append((field, EMPTY_ID, repr(item)))
        elif field == "branch_labels" and item in seen:
            out.append((field, REPEATED, repr(item)))
        if isinstance(item, str):
            seen.add(item)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Revision:
    id: str
    down_revisions: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    branch_labels: frozenset[str] = frozenset()
    location: Location | None = None
    message: str | None = None
    # (field, kind, repr) of identifiers in the header that Alembic cannot use (header_defects)
    defects: tuple[tuple[str, str, str], ...] = ()

    @property
    def is_base(self) -> bool:
        return not self.down_revisions

    @property
    def is_merge(self) -> bool:
        return len(self.down_revisions) > 1
