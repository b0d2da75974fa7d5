"""Reading the analysed project's files: regular files only, and never more than a bound.

A pull request can commit a FIFO, or a symlink to a character device (``/dev/zero``,
``/proc/kmsg``), where a revision file, ``pyproject.toml``, ``alembic.ini``, ``env.py`` or a model
module is expected. A plain ``open().read()`` then blocks forever (a FIFO without a writer, a
device that never ends) or eats all memory. Every reader of a project file goes through
`read_bytes` / `read_text`:

* the file is opened with ``O_NONBLOCK`` (opening a FIFO does not wait for a writer) and
  ``fstat``-ed: anything but a regular file — a FIFO, a socket, a device, a folder — is refused;
* at most `limit` bytes are read (`MAX_FILE_BYTES` unless the caller says otherwise): a larger
  file is refused, not read whole.

A refusal raises `UnreadableFile`, which is both a `GuardError` (not handled: the command ends
with exit 2 and the message, which names the file and says what to do) and an `OSError` (readers
that already skip files they cannot read keep skipping them). Callers that skip a file should
say so in a note.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from alembic_guard.errors import GuardError

MAX_FILE_BYTES = 16 * 1024 * 1024  # a config file, env.py or a model module (16 MB is far beyond any real one)
MAX_CONFIG_BYTES = 4 * 1024 * 1024  # pyproject.toml, alembic.ini, setup.cfg, requirements
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


class UnreadableFile(GuardError, OSError):
    """A project file that is not a regular file, too large, or cannot be opened."""

    def __init__(self, path: Path | str, reason: str, *, hint: str | None = None):
        GuardError.__init__(self, f"cannot read `{path}`: {reason}", hint=hint)
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:  # OSError's would win otherwise
        return GuardError.__str__(self)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def problem(path: Path | str) -> str | None:
    """Why `path` cannot be read as a project file (it exists as something else: a folder, a
    FIFO, a device, a symlink loop, a dangling symlink), or None when it is a regular file or
    does not exist at all."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "a dangling symlink" if os.path.islink(path) else None
    except OSError as exc:
        return "a symlink loop" if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
    if stat.S_ISREG(st.st_mode):
        return None
    target = f" (a symlink to {os.readlink(path)})" if os.path.islink(path) else ""
    return f"it is {kind_of(st.st_mode)}{target}, not a regular file"


def read_bytes(path: Path | str, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The whole content of the regular file `path` (symlinks followed), at most `limit` bytes.
    Raises `UnreadableFile` for anything else; never blocks."""
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        if not os.path.islink(path):
            raise  # plainly missing: callers that look for optional files handle that themselves
        raise UnreadableFile(path, "a dangling symlink") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "a symlink loop"
        elif exc.errno == errno.EISDIR:
            reason = "it is a directory"
        else:
            reason = exc.strerror or str(exc)
        hint = "make it readable by this user" if exc.errno in (errno.EACCES, errno.EPERM) else None
        raise UnreadableFile(path, reason, hint=hint) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            target = f" (a symlink to {os.readlink(path)})" if os.path.islink(path) else ""
            raise UnreadableFile(
                path,
                f"it is {kind_of(st.st_mode)}{target}, not a regular file; it was not read",
                hint="replace it with a regular file (reading a FIFO or a device can block forever)",
            )
        if st.st_size > limit:
            raise UnreadableFile(
                path,
                f"it is {st.st_size:,} bytes, more than the {limit:,} alembic-guard reads",
                hint="is this really the file it should be?",
            )
        chunks = []
        left = limit + 1  # one byte more: a file that grew past the limit while we read is refused
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise UnreadableFile(path, f"it is larger than the {limit:,} bytes alembic-guard reads")
        return data
    except OSError as exc:
        if isinstance(exc, UnreadableFile):
            raise
        raise UnreadableFile(path, exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def read_head(path: Path | str, size: int) -> bytes:
    """The first `size` bytes of the regular file `path` (b"" when it is not one); never blocks."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError:
        return b""
    try:
        return os.read(fd, size) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(fd)


def read_text(path: Path | str, *, encoding: str = "utf-8", errors: str = "strict", limit: int = MAX_FILE_BYTES) -> str:
    """`read_bytes` decoded (universal newlines, as `Path.read_text`). A decoding error is raised
    as `UnicodeDecodeError`, like `Path.read_text`."""
    text = read_bytes(path, limit=limit).decode(encoding, errors)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text

