"""Run a piece of work in a forked child and read back the bytes it produces.

Used for the large-history passes (reading revision files, the per-file rules): the child gets a
copy of everything loaded so far for free, does its share, and sends back plain data through a
pipe. Any failure of the child — an exception, a crash, a signal — shows as None in the parent,
which then does that share itself, so a result is never lost, only slower.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def start(work: Callable[[], bytes]) -> tuple[int, int] | None:
    """Fork a child that runs `work()` and writes its bytes to a pipe: (pid, read fd), or None
    when no child could be started (the caller then does the work itself)."""
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid:
        os.close(write_fd)
        return pid, read_fd
    code = 0  # ---- child: never returns into the caller
    try:
        os.close(read_fd)
        data = work()
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
    except BaseException:  # noqa: BLE001 - the parent redoes the work
        code = 1
    finally:
        os._exit(code)


def collect(child: tuple[int, int] | None) -> bytes | None:
    """Wait for a child from `start` and return what it wrote; None if it failed or wrote nothing."""
    if child is None:
        return None
    pid, read_fd = child
    try:
        with os.fdopen(read_fd, "rb") as src:
            data = src.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    return data
