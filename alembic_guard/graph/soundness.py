"""Revisions whose file does not parse as Python, although its header was read.

The revision reader takes ids from a file's header without parsing the whole file (that is what
keeps 20,000 revisions at a couple of seconds), so a head with a syntax error further down still
appears in the graph. Alembic cannot load such a file. The commands that answer "where is the
history now" (`graph`'s heads, the gate's heads and pending revisions) parse just those files
and say so, instead of presenting a broken revision as a normal one. `check` reports every file
(AG003).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from alembic_guard.core import reading


def unparsable(project, revision_ids: Iterable[str]) -> list[dict]:
    """[{"revision", "path", "line", "message"}] for the given revisions whose file does not
    parse. Files that cannot be read at all are the loader's problems already, not repeated."""
    out = []
    g = project.graph
    for rid in revision_ids:
        rev = g.get(rid)
        if rev is None or rev.location is None:
            continue
        try:
            ast.parse(reading.read_bytes(project.root / str(rev.location.path)), filename=str(rev.location.path))
        except SyntaxError as exc:
            out.append({"revision": rid, "path": str(rev.location.path), "line": exc.lineno,
                        "message": f"does not parse ({exc.msg}); Alembic cannot load it"})
        except (OSError, ValueError, RecursionError, MemoryError):
            continue
    return out
