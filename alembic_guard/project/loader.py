"""Walk the version locations the way Alembic does and read each revision file statically.

Which files: like Alembic's `Script._list_py_dir` — every `*.py` name not starting with `.#` or
`__init__`, sorted per folder; sub-folders only with `recursive_version_locations`, and symlinked
folders are not followed (Alembic's `os.walk` does not follow them either: we say so, as AG005).

Problems with a file (not UTF-8, NUL bytes, does not parse, empty, not a revision, a dangling
symlink, a FIFO...) become `LoadProblem`s, reported as findings with file and line; nothing here
raises for bad input, never blocks on a special file, and nothing is imported.
"""

from __future__ import annotations

import ast
import errno
import gc
import io
import os
import re
import stat
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple
from pathlib import Path, PurePosixPath

from alembic_guard.astdepth import too_deep_message
from alembic_guard import reading
from alembic_guard.errors import GuardError
from alembic_guard.findings import Location, Severity
from alembic_guard.project.migration import (
    ConstantResolver,
    Migration,
    fast_header,
    parse_migration,
    parse_module,
)

MAX_BYTES = 2 * 1024 * 1024  # above this, only the header is read; the body is not analysed
HEADER_BYTES = 256 * 1024  # how much of a too-large file is read for its header
_LEGACY_REV_RE = re.compile(r"([a-f0-9]+)\.py$")  # Alembic 0.1 files: the id is the file name
_CUT_RE = re.compile(r"^(?:def|class|async|@)\b", re.MULTILINE)

# problem kinds reported by AG003 (Alembic cannot load the file) ...
ERROR_KINDS = frozenset({"syntax", "encoding", "empty", "unreadable", "not-a-revision", "incomplete-header", "bad-header"})
# ... and by AG005 (alembic-guard or Alembic skips something in a version location)
SKIP_KINDS = frozenset({"chained-subfolders", "nested-folder", "too-large", "directory", "symlinked-directory", "missing-location", "no-revisions", "special-file"})


@dataclass(frozen=True)
class LoadProblem:
    """A file (or folder) that could not be read as a revision, or was skipped."""

    kind: str  # one of ERROR_KINDS | SKIP_KINDS
    location: Location
    message: str
    hint: str | None = None


def relpath(path: Path, root: Path) -> PurePosixPath:
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except (ValueError, OSError, RuntimeError):
        return PurePosixPath(os.path.relpath(path, root).replace(os.sep, "/"))


def is_revision_name(name: str) -> bool:
    """Alembic's `_only_source_rev_file`: `*.py`, not an editor lock file, not `__init__*`."""
    return name.endswith(".py") and not name.startswith(".#") and not name.startswith("__init__")


if sys.version_info < (3, 12) and hasattr(PurePosixPath, "_from_parsed_parts"):

    def child(parent: PurePosixPath, name: str) -> PurePosixPath:
        """`parent / name` for a plain file name, without re-parsing (3.10/3.11 pathlib)."""
        return PurePosixPath._from_parsed_parts(parent._drv, parent._root, [*parent._parts, name])  # type: ignore[attr-defined]

else:  # pragma: no cover - newer pathlib is fast enough

    def child(parent: PurePosixPath, name: str) -> PurePosixPath:
        return parent / name


def display_name(name: str) -> str:
    """A file name fit for reports: undecodable bytes (surrogate escapes) shown as `\\xNN`."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Entry(NamedTuple):
    path: str
    rel: PurePosixPath
    kind: str = "file"  # file | directory | symlinked-directory | nested-folder
    key: tuple[int, int] | None = None  # (device, inode) of a plain file, from the directory listing


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return f"uid {os.geteuid()}" if hasattr(os, "geteuid") else "this user"


def iter_entries(folder: Path, rel: PurePosixPath, recursive: bool) -> Iterator[Entry]:
    """Revision-file candidates of one version location, in Alembic's order.

    Plain files are identified by the directory listing alone (type and inode, no `stat`);
    symlinks and other special entries are left to `load_file`, which stats them.
    """
    stack = [(str(folder), rel)]
    while stack:
        here, here_rel = stack.pop()
        try:
            dev = os.stat(here).st_dev
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            # Not "no revisions": the history cannot be read, so nothing about it can be said.
            raise GuardError(
                f"cannot read the versions folder `{here_rel}`: permission denied",
                hint=f"make it readable (and searchable) by this user ({_user()}), e.g. chmod u+rx, or run as its owner",
            ) from None
        except OSError:
            continue
        subdirs = []
        for e in entries:
            name = e.name
            try:
                if e.is_file(follow_symlinks=False):
                    if is_revision_name(name):
                        yield Entry(e.path, child(here_rel, display_name(name)), "file", (dev, e.inode()))
                    continue
                is_dir = e.is_dir()  # follows symlinks, like os.walk's classification
            except OSError:
                is_dir = False  # a symlink loop or dangling link: a "file" to os.walk
            if is_dir:
                try:
                    link = e.is_symlink()
                except OSError:
                    link = False
                if recursive:
                    if link:
                        yield Entry(e.path, child(here_rel, display_name(name)), "symlinked-directory")
                    elif name != "__pycache__":
                        subdirs.append((e.path, child(here_rel, display_name(name))))
                elif is_revision_name(name):
                    yield Entry(e.path, child(here_rel, display_name(name)), "directory")
                elif name != "__pycache__" and not name.startswith("."):
                    yield Entry(e.path, child(here_rel, display_name(name)), "nested-folder")
                continue
            if is_revision_name(name):
                yield Entry(e.path, child(here_rel, display_name(name)))
        if recursive:
            stack.extend(reversed(subdirs))


def iter_revision_files(folder: Path, recursive: bool) -> Iterator[Path]:
    """Paths of the revision-file candidates (kept for callers that only want files)."""
    for entry in iter_entries(folder, PurePosixPath(folder.name), recursive):
        if entry.kind == "file":
            yield Path(entry.path)


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
                hint=f"make it readable by this user ({_user()}), e.g. chmod u+r, or run as its owner",
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
    import io
    import tokenize

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


def load_revisions(layout, jobs: int = 0) -> tuple[list[Migration], list[LoadProblem]]:
    """Every revision file of the layout's version locations, read statically, in Alembic's order.

    A file reachable twice (two locations overlapping, a symlink) is read once, as Alembic does.
    """
    enabled = gc.isenabled()
    gc.disable()  # only long-lived, acyclic objects are made here: collections would be wasted work
    try:
        return _load_revisions(layout, jobs)
    finally:
        if enabled:
            gc.enable()


def compiled_only(layout) -> list[Path]:
    """With `sourceless = true`, Alembic also loads revisions that exist only as `.pyc`/`.pyo`
    (beside the sources or in `__pycache__`): those files, which a static reader cannot read."""
    if str(layout.options.get("sourceless", "")).strip().lower() != "true":
        return []
    found = []
    for location in layout.version_locations:
        walker = os.walk(location) if layout.recursive else [next(os.walk(location), (str(location), [], []))]
        for here, _dirs, files in walker:
            if os.path.basename(here) == "__pycache__":
                continue
            stems = {f.split(".")[0] for f in files if f.endswith(".py")}
            found += [Path(here, f) for f in files if f.endswith((".pyc", ".pyo")) and f.split(".")[0] not in stems]
            cache = Path(here, "__pycache__")
            if cache.is_dir():
                found += [p for p in sorted(cache.iterdir()) if p.suffix in (".pyc", ".pyo") and p.name.split(".")[0] not in stems]
    return sorted(found)


def _load_revisions(layout, jobs: int = 0) -> tuple[list[Migration], list[LoadProblem]]:
    root = layout.root
    compiled = compiled_only(layout)
    if compiled:
        raise GuardError(
            f"`sourceless = true` and {len(compiled)} revision{'s exist' if len(compiled) != 1 else ' exists'} only as "
            f"compiled Python ({relpath(compiled[0], root)}{', ...' if len(compiled) > 1 else ''}): alembic-guard reads "
            "revisions from their source and cannot analyse a compiled history",
            hint="run alembic-guard on the source tree the .pyc files were built from (where the revisions are .py files)",
        )
    resolver = ConstantResolver(layout.module_roots)
    migrations: list[Migration] = []
    problems: list[LoadProblem] = []
    seen: set[tuple[int, int]] = set()
    todo: list[Entry] = []
    for folder in layout.version_locations:
        folder_rel = relpath(folder, root)
        if not folder.is_dir():
            problems.append(LoadProblem(
                "missing-location",
                Location(relpath(layout.ini_path, root) if layout.ini_path else folder_rel),
                f"version location `{folder_rel}` "
                + ("is not a folder" if folder.exists() else "does not exist")
                + "; Alembic silently skips it",
                hint="fix version_locations (check its path_separator) or create the folder",
            ))
            continue
        nested: list[tuple[Entry, int]] = []
        top_files = 0
        for entry in iter_entries(folder, folder_rel, layout.recursive):
            if entry.kind == "nested-folder":
                count = _count_py(Path(entry.path))
                if count:
                    nested.append((entry, count))
                continue
            top_files += entry.kind == "file"
            if entry.kind == "symlinked-directory":
                problems.append(LoadProblem(
                    "symlinked-directory",
                    Location(entry.rel),
                    f"`{entry.rel}` is a symlinked folder; Alembic does not follow it, so revisions in it are not loaded",
                    hint="move the revisions into the version location, or list the folder in version_locations",
                ))
                continue
            key = entry.key  # plain files: known from the listing, no stat needed
            if key is None and entry.kind == "file":
                try:
                    st = os.stat(entry.path)
                    key = (st.st_dev, st.st_ino)
                except OSError:
                    key = None
            if key is not None:
                if key in seen:
                    continue  # the same file twice (overlapping locations, a symlink): read once
                seen.add(key)
            todo.append(entry)
        problems.extend(_nested_problems(nested, folder_rel, independent=not top_files and _independent(nested)))
    if getattr(layout, "recursive_reason", ""):
        problems.append(LoadProblem(
            "chained-subfolders",
            Location(relpath(layout.ini_path, root) if layout.ini_path else relpath(layout.script_location, root)),
            layout.recursive_reason,
            hint="plain `alembic` needs `recursive_version_locations = true` (or the project's own tooling) to load "
            "them; set [[tool.alembic-guard.environments]] to state the layout explicitly (docs/environments.md)",
        ))
    for mig, problem in read_files(todo, root, resolver, jobs):
        if mig is not None:
            migrations.append(mig)
        if problem is not None:
            problems.append(problem)
    if not migrations and not problems:
        where = ", ".join(f"`{relpath(f, root)}`" for f in layout.version_locations)
        problems.append(LoadProblem(
            "no-revisions",
            Location(relpath(layout.ini_path, root) if layout.ini_path else relpath(layout.script_location, root)),
            f"no revision files in {where}",
            hint="nothing to check yet; if revisions exist elsewhere, set version_locations",
        ))
    return migrations, problems


def _independent(nested: list) -> bool:
    """Whether sub-folders are complete, independent histories (each its own base, every parent
    inside it): `versions/postgresql` + `versions/sqlite`, one chosen at run time."""
    from alembic_guard.project.discover import _headers

    if len(nested) < 2:
        return False
    for entry, _count in nested:
        ids, parents, base = _headers(Path(entry.path))
        if not ids or not base or not parents <= ids:
            return False
    return True


def _nested_problems(nested: list, folder_rel: PurePosixPath, independent: bool) -> list[LoadProblem]:
    """AG005 for sub-folders Alembic does not load. The hint depends on what they are: for
    independent histories `recursive_version_locations` would merge them (duplicate ids, several
    bases), so it is not what to do."""
    out = []
    names = ", ".join(f"`{e.rel}`" for e, _c in nested)
    for entry, count in nested:
        if independent:
            hint = (f"{names} are {len(nested)} complete, independent histories (the project picks one at run time): "
                    "do not set recursive_version_locations (it would merge them); run `alembic-guard check` on the "
                    "repository to check each, or declare them in [[tool.alembic-guard.environments]] (docs/environments.md)")
        else:
            hint = (f"set `recursive_version_locations = true` in alembic.ini, or move the files up into `{folder_rel}` "
                    "(if the project's own tooling sets version_locations, declare them in "
                    "[[tool.alembic-guard.environments]]: docs/environments.md)")
        out.append(LoadProblem(
            "nested-folder",
            Location(entry.rel),
            f"`{entry.rel}` holds {count} .py file{'s' if count != 1 else ''} that Alembic does not load: "
            "recursive_version_locations is off",
            hint=hint,
        ))
    return out


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


def _fork_reader(entries: list[Entry]):
    """A forked child running `read_fast` over `entries` (see alembic_guard.forking)."""
    import marshal

    from alembic_guard import forking

    return forking.start(lambda: marshal.dumps([read_fast(e.path) if e.kind == "file" else None for e in entries]))


def _collect_reader(child) -> list | None:
    import marshal

    from alembic_guard import forking

    data = forking.collect(child)
    if data is None:
        return None
    try:
        out = marshal.loads(data)  # written by our own child, above: plain str/dict/tuple values
    except (EOFError, ValueError, TypeError):
        return None
    return out if isinstance(out, list) else None


def _count_py(folder: Path, limit: int = 10_000) -> int:
    """Revision-like files under a folder Alembic does not walk (bounded; symlinks not followed)."""
    count = 0
    for _dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        count += sum(1 for f in filenames if is_revision_name(f))
        if count >= limit:
            break
    return count


PROBLEM_SEVERITY = {"no-revisions": Severity.INFO, "chained-subfolders": Severity.INFO}
