"""One private, throwaway PostgreSQL server: `PostgresCluster`, started by our own code and never
outliving us.

Owns the data directory (``initdb -N`` once per PostgreSQL version and server user, the result
cached in `cache_root()` and copied for the next start, the cache written in the background),
the server process (``postgres`` started directly, no ``pg_ctl``, on a free TCP port on 127.0.0.1
with password auth and a private unix socket in our 0700 folder; fsync, full_page_writes and
synchronous_commit off; ``postmaster.pid`` polled for "ready" every few milliseconds), and its
end: the postmaster gets ``PR_SET_PDEATHSIG=SIGQUIT`` (forked from a thread that lives as long as
the process) and its own session, and `stop()` sends SIGINT (fast shutdown), escalates, and
removes the folder; a folder left by a SIGKILLed run is swept by the next start (`tempdirs`).
As root only the server programs run as the unprivileged user, and only our own folder is
chowned. It must not create or drop databases (that is the `EmbeddedSandbox`, through SQLAlchemy)
and must not register with `cleanup`: its owner stops it.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.sandbox import tempdirs
from alembic_guard.sandbox.base import Progress
from alembic_guard.sandbox.pg_binaries import (
    BINDIR_HINT,
    Binaries,
    RunAs,
    cache_root,
    copy_tree,
    find_binaries,
    output_tail,
    reachable_binaries,
    run_as,
)

# The logger name from before the split of sandbox/embedded.py (users' logging configuration).
log = logging.getLogger("alembic_guard.sandbox.embedded")

ENV_NO_CACHE = "ALEMBIC_GUARD_NO_CLUSTER_CACHE"
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
PR_SET_PDEATHSIG = 1
# -N: no fsync; 1 MB WAL segments: a 29 MB cluster instead of 39 MB to copy on each start.
# Part of the cache key: change them and old caches are simply not used.
INITDB_OPTIONS = ("-E", "UTF8", "--locale=C", "-N", "--wal-segsize=1", "--auth-local=trust", "--auth-host=scram-sha-256")


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
        binaries = reachable_binaries(binaries, who)
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
                copy_tree(cached / "data", self.datadir)
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
                copy_tree(self.datadir, seed)
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
                + output_tail(res.stderr or res.stdout),
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
            copy_tree(seed, staging / "data")
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
            return output_tail(self.logfile.read_text(errors="replace"))
        except OSError:
            return "(no server log)"
