"""Read one revision file statically: `load_file` turns a candidate path into a `Migration`, a
`LoadProblem`, or both (a too-large file whose header could be read). Plain small UTF-8 files whose
header has a template shape take the fast path (`read_fast`, no `ast`); everything else is opened
once more with O_NONBLOCK and checked for what it is (a dangling symlink, a FIFO, a directory, not
UTF-8, NUL bytes, empty, does not parse, not a revision); `read_source_module` decodes and parses
another Python file of the project (env.py) the same way. It owns reading and decoding a single
file: it must not walk folders, import or execute anything, block on a special file, or raise for
bad input (only for a revision file this user may not read, which makes the history unreadable).
"""

from __future__ import annotations

import ast
import errno
import io
import os
import re
import stat
import tokenize
from pathlib import Path, PurePosixPath

from alembic_guard.core import reading
from alembic_guard.core.astdepth import too_deep_message
from alembic_guard.errors import GuardError
from alembic_guard.findings import Location
from alembic_guard.project.constants import ConstantResolver
from alembic_guard.project.header import fast_header
from alembic_guard.project.migration import Migration, parse_migration, parse_module
from alembic_guard.project.paths import relpath
from alembic_guard.project.problems import LoadProblem
from alembic_guard.project.version_files import current_user

MAX_BYTES = 2 * 1024 * 1024  # above this, only the header is read; the body is not analysed
HEADER_BYTES = 256 * 1024  # how much of a too-large file is read for its header
_LEGACY_REV_RE = re.compile(r"([a-f0-9]+)\.py$")  # Alembic 0.1 files: the id is the file name
_CUT_RE = re.compile(r"^(?:def|class|async|@)\b", re.MULTILINE)


def load_file(
    path: Path | str,
    root: Path,
    rel: PurePosixPath | None = None,
    resolver: ConstantResolver | None = None,
) -> tuple[Migration | None, LoadProblem | None]:
    """Read one candidate file: (migration, None), (None, problem) or, for a too-large file whose
    header could be read, (migration, problem)."""
    rel = rel if rel is not None else relpath(Path(path), root)
    fast = read_fast(path)  # the common case: a plain file whose header has a template shape
    if fast is not None:
        return from_fast(path, rel, fast)
    # Everything else (a problem to report, another encoding, a too-large file, a header that
    # needs `ast`) is read again here: rare files, and the slow path costs far more than a read.
    try:
        # O_NONBLOCK: opening a FIFO must never block; fstat then tells what we opened
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            what = "a symlink loop"
        elif exc.errno == errno.ENOENT and os.path.islink(path):
            what = "a dangling symlink"
        elif exc.errno in (errno.EACCES, errno.EPERM):
            raise GuardError(
                f"cannot read the revision file `{rel}`: permission denied",
                hint=f"make it readable by this user ({current_user()}), e.g. chmod u+r, or run as its owner",
            ) from None
        else:
            what = exc.strerror or str(exc)
        return None, LoadProblem(
            "unreadable",
            Location(rel),
            f"cannot read `{rel}`: {what}",
            hint="remove it or fix it; Alembic fails on this file too",
        )
    try:
        st_ = os.fstat(fd)
        if stat.S_ISREG(st_.st_mode):
            pass
        elif stat.S_ISDIR(st_.st_mode):
            return None, LoadProblem("directory", Location(rel), f"`{rel}` is a directory named like a revision file; Alembic ignores it")
        else:
            return None, LoadProblem(
                "special-file",
                Location(rel),
                f"`{rel}` is not a regular file (a FIFO, socket or device); it was not read",
                hint="remove it from the versions folder: Alembic would block or fail reading it",
            )
        size = st_.st_size
        too_large = size > MAX_BYTES
        want = HEADER_BYTES if too_large else size
        data = os.read(fd, want)
        if 0 < len(data) < want:  # a short read: keep reading until EOF or enough
            chunks = [data]
            want -= len(data)
            while want > 0:
                chunk = os.read(fd, want)
                if not chunk:
                    break
                chunks.append(chunk)
                want -= len(chunk)
            data = b"".join(chunks)
    except OSError as exc:
        return None, LoadProblem("unreadable", Location(rel), f"cannot read `{rel}`: {exc.strerror or exc}", hint="make the file readable")
    finally:
        os.close(fd)
    try:
        source = decode_python(data)
    except UnicodeDecodeError as exc:
        declared = _declared_encoding(data)
        if too_large and exc.start >= len(data) - 4:
            source = data[: exc.start].decode("utf-8-sig")  # cut in the middle of a character
        elif declared is not None:
            source = declared  # a PEP 263 coding cookie (`# -*- coding: latin-1 -*-`): Python honours it
        else:
            line = data[: exc.start].count(b"\n") + 1
            return None, LoadProblem(
                "encoding",
                Location(rel, line, 1),
                f"`{rel}` is not UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})",
                hint="save the file as UTF-8; Alembic cannot load it either",
            )
    if "\x00" in source:
        return None, LoadProblem(
            "encoding",
            Location(rel, source.count("\n", 0, source.index("\x00")) + 1, 1),
            f"`{rel}` contains a NUL byte: not a Python source file",
            hint="restore the file from version control",
        )
    if not source or source.isspace():
        return None, LoadProblem("empty", Location(rel), f"`{rel}` is empty", hint="delete it, or restore the revision it held")

    big: LoadProblem | None = None
    if too_large:
        big = LoadProblem(
            "too-large",
            Location(rel),
            f"`{rel}` is {size // 1024} KiB; only its header was read (limit {MAX_BYTES // 1024} KiB), its body was not analysed",
            hint="move large data out of the revision file (load it from a data file in upgrade())",
        )
        cut = _CUT_RE.search(source)
        source = source[: cut.start()] if cut else source

    header = fast_header(source)
    if header is not None:
        values, lines, doc = header
        mig = Migration(path, rel, source, values=values, lines=lines, raw_docstring=doc, body_parsed=not too_large)
        return _complete(mig, rel, big)

    try:
        tree = parse_module(source, str(rel))
    except SyntaxError as exc:
        if big is not None:
            return None, big
        return None, LoadProblem(
            "syntax",
            Location(rel, exc.lineno or 1, exc.offset or 1),
            f"`{rel}` does not parse: {exc.msg}",
            hint="fix the syntax error; Alembic cannot load this revision either",
        )
    except ValueError as exc:
        return None, big or LoadProblem("syntax", Location(rel), f"`{rel}` does not parse: {exc}")
    except (RecursionError, MemoryError) as exc:
        return None, big or LoadProblem("syntax", Location(rel), f"`{rel}` does not parse: {too_deep_message(exc)}")
    mig = parse_migration(path, rel, source, tree, resolver)
    if too_large:
        mig._body_parsed = False
        mig.__dict__.pop("tree", None)
    if not mig.is_revision:
        legacy = _LEGACY_REV_RE.fullmatch(os.path.basename(path))
        if legacy:
            mig.values["revision"] = legacy.group(1)  # Alembic 0.1: the file name is the id
        else:
            return None, LoadProblem(
                "not-a-revision",
                Location(rel, 1, 1),
                f"`{rel}` has no module-level `revision = ...`: not a revision file, and Alembic fails on it",
                hint="move helper modules out of the versions folder (Alembic loads every .py file there)",
            )
    return _complete(mig, rel, big)


def _declared_encoding(data: bytes) -> str | None:
    """The source decoded with its PEP 263 coding cookie, when it declares one other than UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding in ("utf-8", "utf-8-sig"):
            return None
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def _complete(mig: Migration, rel: PurePosixPath, big: LoadProblem | None) -> tuple[Migration | None, LoadProblem | None]:
    if "revision" in mig.values and mig.revision_id is None:
        return None, LoadProblem(
            "bad-header",
            Location(rel, mig.lines.get("revision"), 1),
            f"`revision` in `{rel}` is {mig.values['revision']!r}, not a non-empty string",
            hint='give the revision a string id, e.g. `revision = "3f2a9c1b7d4e"`',
        )
    if "down_revision" not in mig.values and "down_revision" not in mig.unresolved and big is None:
        return mig, LoadProblem(
            "incomplete-header",
            Location(rel, mig.lines.get("revision"), 1, revision=mig.revision_id),
            f"`{rel}` sets `revision` but not `down_revision`; Alembic fails loading it (AttributeError)",
            hint="add `down_revision = None` for a base revision, or the parent's id",
        )
    return mig, big


def decode_python(data: bytes) -> str:
    """Source text as Python reads it: UTF-8 (a BOM allowed), or the encoding a PEP 263
    `# -*- coding: latin-1 -*-` line declares. Raises UnicodeDecodeError as UTF-8 would."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            declared, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            if declared not in ("utf-8", "utf-8-sig"):
                return data.decode(declared)
        except (SyntaxError, LookupError, UnicodeDecodeError):
            pass
        raise


def read_source_module(path: Path) -> ast.Module | None:
    """Parse a non-revision Python file (env.py, a constants module); None when it cannot be read."""
    try:
        return parse_module(decode_python(reading.read_bytes(path)), str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return None


def read_fast(path: str) -> tuple[str, dict, dict, str | None] | None:
    """(source, values, lines, raw docstring) of a plain, small, UTF-8 revision file whose header
    the fast path reads; None for anything else (`load_file` then reads it again and says what
    it is). The first step of `load_file`, and all the forked reader does."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st_ = os.fstat(fd)
        if not stat.S_ISREG(st_.st_mode) or st_.st_size > MAX_BYTES:
            return None
        data = os.read(fd, st_.st_size)
        if len(data) != st_.st_size:
            return None
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in source or not source or source.isspace():
        return None
    header = fast_header(source)
    if header is None:
        return None
    return (source, *header)


def from_fast(path: str | Path, rel: PurePosixPath, fast: tuple) -> tuple[Migration | None, LoadProblem | None]:
    """`load_file`'s result for what `read_fast` read."""
    source, values, lines, doc = fast
    return _complete(Migration(path, rel, source, values=values, lines=lines, raw_docstring=doc), rel, None)
