"""A persistent cache of the per-file rules' findings, so a second `check` over an unchanged
history does not parse or lint its revision files again.

One JSON file per project (never pickle: loading a cache must not be able to run code), in
`results/` of the user's cache folder — `$ALEMBIC_GUARD_CACHE_DIR`, else
`$XDG_CACHE_HOME/alembic-guard`, else `~/.cache/alembic-guard` — and never in the analysed repository: a cache committed in a pull
request could otherwise declare a dangerous migration clean. The folder can be changed with
`--cache-dir` (or the variable), not from `pyproject.toml`, for the same reason.

Per revision file it keeps the findings of the per-file rules (kinds `migration` and `op`) and
what parsing the file told (its first relative import), keyed by a hash of the file's text *and*
a context key: the alembic-guard build (its version and the size and mtime of each of its
modules, so an edited rule invalidates), the settings, the selected rules and the project facts
those rules read (dialect, env.py timeouts, local module names, `file_template`...; see
`engine.pass_context`). Files are always read (their headers make the graph), so the key is their
content, not their mtime: a fresh `git clone` with the cache folder restored by CI hits too.
Files that do not parse, and files whose visit crashed a rule or recorded a skip, are never
cached.

Any doubt — a missing, corrupt, foreign or old-format file, an entry of the wrong shape — is a
miss, never an error. Writes are atomic (a temporary file, then rename) and best effort: a
read-only cache folder only costs speed. Cache files untouched for 30 days are removed — only
files this cache wrote: the folder must carry the marker file `MARKER` (written when the cache
created the folder, or found it empty, or it is the default folder), and a file is removed only
when its name is one this module gives (`<24 hex>.json`, `.<24 hex>.*.tmp`) and, for `.json`,
its text starts as this module writes it. `--cache-dir` pointed at a folder of the user's own
files therefore never deletes any of them (see docs/security.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Any

import alembic_guard
from alembic_guard.core import reading
from alembic_guard.findings import Finding, Location, Severity

FORMAT = 1
ENV_DIR = "ALEMBIC_GUARD_CACHE_DIR"
# A folder holding this file is one the result cache owns: only there are old files pruned.
MARKER = ".alembic-guard-results-cache"
_MARKER_TEXT = "This folder holds alembic-guard's result cache; files named <24 hex digits>.json in it may be removed.\n"
_KEY_LEN = 24
_HEAD = b'{"format":'  # how every cache file this module writes begins (json.dump, compact separators)
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a larger cache file is corrupt (or not ours): ignored, never read whole


def default_dir() -> Path:
    """`results/` in alembic-guard's cache folder (shared with the embedded PostgreSQL cluster
    cache): `$ALEMBIC_GUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/alembic-guard`, else
    `~/.cache/alembic-guard`."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser() / "results"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "alembic-guard" / "results"


_BUILD: str | None = None


def build_id() -> str:
    """alembic-guard's version plus the size and mtime of each of its modules: a rule edited in a
    development install invalidates cached findings without a version bump."""
    global _BUILD
    if _BUILD is None:
        h = hashlib.blake2b(digest_size=12)
        h.update(str(getattr(alembic_guard, "__version__", "?")).encode())
        pkg = Path(alembic_guard.__file__).parent
        for folder, dirs, files in os.walk(pkg):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    try:
                        st = os.stat(os.path.join(folder, name))
                    except OSError:
                        continue
                    h.update(f"{os.path.relpath(os.path.join(folder, name), pkg)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        _BUILD = h.hexdigest()
    return _BUILD


# ---------------------------------------------------------------------- findings
def encode_finding(f) -> list:
    return [f.code, int(f.severity), f.message, _enc_loc(f.location), f.hint, [_enc_loc(r) for r in f.related], f.anchor, f.details]


def _enc_loc(loc) -> list:
    return [str(loc.path), loc.line, loc.column, loc.end_line, loc.end_column, loc.revision]


def decode_finding(data: list):
    code, sev, message, loc, hint, related, anchor, details = data
    if not (isinstance(code, str) and isinstance(message, str) and isinstance(anchor, str)):
        raise ValueError("bad finding")
    return Finding(code, Severity(sev), message, _dec_loc(loc), hint, tuple(_dec_loc(r) for r in related), anchor, details)


def _dec_loc(data: list):
    path, line, col, end_line, end_col, rev = data
    if not isinstance(path, str):
        raise ValueError("bad location")
    return Location(PurePosixPath(path), line, col, end_line, end_col, rev)


class ProjectCache:
    """The cache of one Alembic project (one root, config file, ini section and version locations)."""

    def __init__(self, folder: Path, identity: str):
        self.folder = Path(folder)
        self.key = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:_KEY_LEN]
        self._findings: dict[str, list] | None = None
        self._dirty = False

    @classmethod
    def for_layout(cls, layout, folder: Path | None = None) -> "ProjectCache":
        identity = "\0".join([
            str(Path(layout.root).resolve()),
            str(layout.ini_path or ""),
            str(getattr(layout, "section", "")),
            *(str(Path(v).resolve()) for v in layout.version_locations),
            str(bool(layout.recursive)),
        ])
        return cls(folder or default_dir(), identity)

    # -- files
    @property
    def path(self) -> Path:
        return self.folder / f"{self.key}.json"

    def _load(self) -> dict[str, list]:
        try:
            data = json.loads(reading.read_bytes(self.path, limit=MAX_CACHE_BYTES))  # a corrupt huge file is not read whole
            if data.get("format") != FORMAT or data.get("build") != build_id() or not isinstance(data.get("files"), dict):
                return {}
            return data["files"]
        except (OSError, ValueError, AttributeError, TypeError, RecursionError):
            return {}

    @property
    def findings(self) -> dict[str, list]:
        if self._findings is None:
            self._findings = self._load()
        return self._findings

    def forget_missing(self, present: set[str]) -> None:
        """Drop entries of files that no longer exist (a renamed or deleted revision)."""
        gone = [rel for rel in self.findings if rel not in present]
        for rel in gone:
            del self.findings[rel]
        if gone:
            self._dirty = True

    # -- findings of the per-file rules
    def file_result(self, rel: str, digest: str, context: str) -> tuple[list, Any, bool] | None:
        """(findings, first relative import, whether the file was parsed) cached for this text
        under this context, else None."""
        entry = self.findings.get(rel)
        try:
            if not entry or entry[0] != digest or entry[1] != context:
                return None
            _digest, _context, found, relative, checked = entry
            findings = [decode_finding(f) for f in found]
            if relative is not None:
                level, module, line, col = relative
                relative = (int(level), module if isinstance(module, str) else None, int(line), int(col))
            return findings, relative, bool(checked)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def store_file_result(self, rel: str, digest: str, context: str, findings, relative, checked: bool) -> None:
        entry = [digest, context, [encode_finding(f) for f in findings], list(relative) if relative else None, checked]
        if self.findings.get(rel) != entry:
            self.findings[rel] = entry
            self._dirty = True

    # -- writing
    def save(self) -> None:
        """Write the table if it changed, atomically; silently give up when the folder is not writable."""
        if not self._dirty or self._findings is None:
            return
        write_json(self.path, {"build": build_id(), "files": self._findings})
        self._dirty = False


def write_json(path: Path, data: dict) -> None:
    """Write one cache file atomically (a temporary of our naming, then a rename), beginning as every
    file of the cache begins (`{"format":`, so `_prune` knows it for ours); claim its folder, and prune
    old files there when this file is new. A folder that cannot be written only makes runs slower."""
    folder = path.parent
    try:
        _claim(folder)
        fresh = not path.exists()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": FORMAT, **data}, fh, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if fresh:
            _prune(folder)
    except (OSError, ValueError, TypeError):
        pass


def _claim(folder: Path) -> None:
    """Create `folder` if needed, and mark it as the cache's own when the cache may prune it: it
    created the folder, found it empty, or it is the default folder in the user's cache home."""
    try:
        folder.mkdir(parents=True)
        ours = True
    except FileExistsError:
        with os.scandir(folder) as it:
            ours = next(it, None) is None or _is_default_home(folder)
    if ours and not (folder / MARKER).exists():
        try:
            (folder / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        except OSError:
            pass


def _is_default_home(folder: Path) -> bool:
    """The default folder when it is not steered by $ALEMBIC_GUARD_CACHE_DIR (whose `results/`
    subfolder could be a folder of the user's own)."""
    return not os.environ.get(ENV_DIR) and Path(folder).resolve() == default_dir().resolve()


def is_cache_file(name: str) -> bool:
    """A name this module gives: `<key>.json` or `.<key>.<random>.tmp` (key: 24 lowercase hex)."""
    if name.endswith(".json"):
        key = name[: -len(".json")]
    elif name.startswith(".") and name.endswith(".tmp"):
        key = name[1:].partition(".")[0]
    else:
        return False
    return len(key) == _KEY_LEN and all(c in "0123456789abcdef" for c in key)


def _written_by_us(entry: os.DirEntry) -> bool:
    if entry.name.endswith(".tmp"):
        return True  # a temporary of ours, left by a killed run (its name is ours; content may be partial)
    return reading.read_head(entry.path, len(_HEAD)) == _HEAD  # a FIFO named like ours is not read


def _prune(folder: Path, max_age_s: float = 30 * 86400) -> None:
    """Remove cache files (of projects since moved or deleted) untouched for `max_age_s`: only
    in a folder carrying `MARKER`, only regular files named as this module names them, and only
    `.json` files that begin as this module writes them. Anything else is never touched."""
    limit = time.time() - max_age_s
    try:
        if not (folder / MARKER).is_file():
            return
        with os.scandir(folder) as it:
            for entry in it:
                if (is_cache_file(entry.name) and entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_mtime < limit and _written_by_us(entry)):
                    os.unlink(entry.path)
    except OSError:
        pass
