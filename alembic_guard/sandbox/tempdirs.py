"""Private temp folders for sandboxes, with an owner stamp so a crashed run's leftovers get swept.

Every folder is ``<tmp>/alembic-guard-<kind>-<random>/`` and holds ``owner.pid``: the creating
process's pid and its start time (from ``/proc``, so a recycled pid is not mistaken for the owner).
`make` first sweeps folders of the same kind whose owner is gone — the only thing a SIGKILLed run
can leave behind (an embedded server dies with its parent through PR_SET_PDEATHSIG; `sweep` still
stops one if it finds it alive).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "alembic-guard-"
OWNER_FILE = "owner.pid"


ENV_DIR = "ALEMBIC_GUARD_SANDBOX_DIR"
MEMORY_DIR = Path("/dev/shm")
MEMORY_MIN_FREE = 1 << 30  # use RAM only when it has room (Docker gives /dev/shm 64 MB by default)


def base_dir() -> Path:
    """Where sandbox folders go: ``$ALEMBIC_GUARD_SANDBOX_DIR``; else ``/dev/shm`` when it is a
    roomy tmpfs (a cluster copy takes ~0.05 s there against ~0.3 s on a busy disk, and a
    throwaway database needs no durability); else the system temp dir, or /tmp as root when the
    temp dir is not reachable by everyone (the server may run as another user, and we never
    loosen existing permissions)."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    if _roomy_tmpfs(MEMORY_DIR):
        return MEMORY_DIR
    tmp = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not world_traversable(tmp):
        tmp = Path("/tmp")
    return tmp


def base_dirs() -> list[Path]:
    """Every folder a sandbox may have been created in (for the stale sweep)."""
    out = [base_dir(), MEMORY_DIR, Path(tempfile.gettempdir()), Path("/tmp")]
    return [p for p in dict.fromkeys(out) if p.is_dir()]


def _roomy_tmpfs(path: Path) -> bool:
    try:
        st = os.statvfs(path)
    except OSError:
        return False
    if not os.access(path, os.W_OK | os.X_OK) or st.f_bavail * st.f_frsize < MEMORY_MIN_FREE:
        return False
    try:
        with open("/proc/self/mounts") as mounts:
            return any(line.split()[1] == str(path) and line.split()[2] == "tmpfs" for line in mounts)
    except OSError:
        return False


def world_traversable(path: Path) -> bool:
    p = path.resolve()
    for part in (p, *p.parents):
        try:
            if not part.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _start_time(pid: int) -> str | None:
    """Process start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _start_time(pid)
    return started is None or now is None or now == started


def make(kind: str, *, sweep_stale: bool = True) -> Path:
    """Create ``alembic-guard-<kind>-XXXX`` (mode 0700) with an owner stamp; sweep stale ones first."""
    parent = base_dir()
    if sweep_stale:
        sweep(kind)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-", dir=parent))
    (path / OWNER_FILE).write_text(f"{os.getpid()} {_start_time(os.getpid()) or ''}\n")
    return path


def owner_of(path: Path) -> tuple[int, str | None] | None:
    try:
        fields = (path / OWNER_FILE).read_text().split()
        return int(fields[0]), (fields[1] if len(fields) > 1 else None)
    except (OSError, ValueError, IndexError):
        return None


def is_stale(path: Path) -> bool:
    owner = owner_of(path)
    return owner is not None and not _alive(*owner)


def sweep(kind: str, parent: Path | None = None) -> list[Path]:
    """Remove this user's ``alembic-guard-<kind>-*`` folders whose owning process is gone."""
    removed = []
    candidates = []
    for folder in [parent] if parent else base_dirs():
        try:
            candidates += list(folder.glob(f"{PREFIX}{kind}-*"))
        except OSError:
            continue
    for path in candidates:
        try:
            st = path.lstat()
            stamp = (path / OWNER_FILE).lstat()
        except OSError:
            continue
        # ours = the stamp was written by this user (as root the folder itself is chowned to the
        # server user, the stamp is not)
        if not path.is_dir() or path.is_symlink() or os.geteuid() not in (st.st_uid, stamp.st_uid):
            continue
        if stamp.st_uid != os.geteuid():
            continue
        if not is_stale(path):
            continue
        _stop_orphan_server(path)
        remove(path)
        removed.append(path)
        log.info("alembic-guard: removed stale sandbox folder %s", path)
    return removed


def _stop_orphan_server(path: Path) -> None:
    """If a postmaster from a dead run still serves a data dir in `path`, stop it (SIGQUIT)."""
    for pidfile in path.glob("*/postmaster.pid"):
        try:
            pid = int(pidfile.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if str(pidfile.parent).encode() not in cmdline:
            continue  # pid reused by something else
        try:
            os.kill(pid, signal.SIGQUIT)
        except OSError:
            continue
        for _ in range(200):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.01)


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
