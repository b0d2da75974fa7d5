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


@dataclass(frozen=True, slots=True)
class Revision:
    id: str
    down_revisions: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    branch_labels: frozenset[str] = frozenset()
    location: Location | None = None
    message: str | None = None

    @property
    def is_base(self) -> bool:
        return not self.down_revisions

    @property
    def is_merge(self) -> bool:
        return len(self.down_revisions) > 1
