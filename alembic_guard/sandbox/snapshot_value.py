"""The schema snapshot as a value: `Snapshot`, a sorted, hashable tuple of ``(kind, name,
definition)`` items, and `diff`, the readable difference of two.

Owns the vocabulary every reader produces and the round trip compares: the kinds of item
(`KINDS`, also the order `diff` lists them in) and the `+` / `-` / `~` lines of a difference. Pure
values: it must not read a database or know a dialect (the readers are `schema_snapshot`,
`snapshot_postgres` and `snapshot_tracking`).

>>> a = Snapshot.of([("table", "t", ""), ("column", "t.id", "integer NOT NULL")])
>>> b = Snapshot.of([("table", "t", ""), ("column", "t.id", "bigint NOT NULL"), ("index", "ix_t", "(id)")])
>>> print(diff(a, b))
+ index ix_t: (id)
~ column t.id: integer NOT NULL -> bigint NOT NULL
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("schema", "enum", "sequence", "table", "view", "column", "primary key", "unique", "check", "foreign key", "index")

Item = tuple[str, str, str]  # (kind, qualified name, definition)


@dataclass(frozen=True)
class Snapshot:
    items: tuple[Item, ...]

    @classmethod
    def of(cls, items: Iterable[Item]) -> "Snapshot":
        return cls(tuple(sorted(set(items))))

    def as_dict(self) -> dict[tuple[str, str], str]:
        return {(k, n): d for k, n, d in self.items}

    def tables(self) -> list[str]:
        return [n for k, n, _ in self.items if k == "table"]

    def __len__(self) -> int:
        return len(self.items)


def diff(before: Snapshot, after: Snapshot) -> str:
    """Readable difference: `+` only in `after` (left behind), `-` only in `before` (lost), `~` changed."""
    if before == after:
        return ""
    a, b = before.as_dict(), after.as_dict()
    order = {k: i for i, k in enumerate(KINDS)}
    key = lambda kn: (order.get(kn[0], 99), kn[1])  # noqa: E731
    lines = []
    for kn in sorted(b.keys() - a.keys(), key=key):
        lines.append(f"+ {kn[0]} {kn[1]}" + (f": {b[kn]}" if b[kn] else ""))
    for kn in sorted(a.keys() - b.keys(), key=key):
        lines.append(f"- {kn[0]} {kn[1]}" + (f": {a[kn]}" if a[kn] else ""))
    for kn in sorted((k for k in a.keys() & b.keys() if a[k] != b[k]), key=key):
        lines.append(f"~ {kn[0]} {kn[1]}: {a[kn]} -> {b[kn]}")
    return "\n".join(lines)
