"""Read a list of revision-file candidates, in order, in one process or, for large histories, in two:
a forked child runs the fast path over the second half and sends back plain values, and this process
builds every `Migration` (see `read_files`). It owns the decision to fork and the exchange with the
child: it must not change what is read (the result is exactly the serial one, and a child that fails
has its half read here), and it never forks a multi-threaded host on the automatic setting.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

from alembic_guard.core import forking
from alembic_guard.project.constants import ConstantResolver
from alembic_guard.project.migration import Migration
from alembic_guard.project.problems import LoadProblem
from alembic_guard.project.revision_file import from_fast, load_file, read_fast
from alembic_guard.project.version_files import Entry

PARALLEL_READ_AT = 1000  # files: below this, forking a reader costs more than it saves
CHILD_SHARE = 0.5  # of the files, read by the forked reader (this process also builds every Migration)


def read_files(
    entries: list[Entry], root: Path, resolver: ConstantResolver, jobs: int = 0
) -> list[tuple[Migration | None, LoadProblem | None]]:
    """`load_file` for each entry, in order.

    Large histories (>= PARALLEL_READ_AT files, several CPUs, fork available, a single-threaded
    host) are read by two processes: a forked child reads the second half of the files and sends
    back, per file, only what the fast path gives — (source, header values, header lines,
    docstring) as plain strings, dicts and tuples, through `marshal` over a pipe — or None for
    any file that needs more (a problem, the `ast` slow path), which this process then reads
    itself with `load_file`. So the result is exactly the serial one; a child that fails has its
    half read here. (Pickling whole Migration objects back cost most of the gain: plain tuples
    are cheap to send.)
    """
    half = int(len(entries) * (1 - CHILD_SHARE))
    child = _fork_reader(entries[half:]) if _parallel_read(len(entries), jobs) else None
    if child is None:
        return [load_file(e.path, root, e.rel, resolver) for e in entries]
    results = [load_file(e.path, root, e.rel, resolver) for e in entries[:half]]
    fast = _collect_reader(child)
    for i, entry in enumerate(entries[half:]):
        got = fast[i] if fast is not None and i < len(fast) else None
        if got is None:
            results.append(load_file(entry.path, root, entry.rel, resolver))
        else:
            results.append(from_fast(entry.path, entry.rel, got))
    return results


def _parallel_read(count: int, jobs: int) -> bool:
    """Whether to fork a reader: `jobs` as in settings (0 = auto, 1 = serial)."""
    if count < PARALLEL_READ_AT or jobs == 1 or not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    if jobs == 0 and threading is not None and threading.active_count() > 1:
        return False  # auto: forking a multi-threaded host (an IDE, a server) can deadlock the child
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cpus > 1


def _fork_reader(entries: list[Entry]):
    """A forked child running `read_fast` over `entries` (see alembic_guard.core.forking)."""
    return forking.start(lambda: marshal.dumps([read_fast(e.path) if e.kind == "file" else None for e in entries]))


def _collect_reader(child) -> list | None:
    data = forking.collect(child)
    if data is None:
        return None
    try:
        out = marshal.loads(data)  # written by our own child, above: plain str/dict/tuple values
    except (EOFError, ValueError, TypeError):
        return None
    return out if isinstance(out, list) else None
