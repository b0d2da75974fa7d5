"""Cleanup on every way out: the one registry of open sandboxes, and the signal and exit handling
that empties it.

Owns the process-wide state: the open sandboxes (`_OPEN`) and the lock around them, the handlers
we installed and the ones they replaced, the SIGINT flag `interrupted()` reports, the depth counter
and pending signals of `SignalsDeferred`, the `_Watchdog` thread that unsticks a main thread
blocked in a driver call, and the `atexit` hook `close_all`. While a sandbox is open, SIGINT raises
``KeyboardInterrupt`` in the main thread so every ``with``/``finally`` runs; SIGTERM closes every
open sandbox at once and then takes its usual course. This module is the only home of that state:
other modules call its functions (`register`, `unregister`, `SignalsDeferred`, `registry_lock`,
`reset_lock_after_fork`, `interrupted`) and never copy its globals (a ``from … import _FLAG`` copy
would silently go stale). It must not create, connect to or drop databases itself: it only calls
the registered objects' `close`, `describe` and `_cancel_running`.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import time
from typing import Protocol

from alembic_guard.masking import mask_secrets

# The logger name from before the split of sandbox/database.py: what users' logging configuration
# and benchmarks/sigint_roundtrip.py (the SIGINT loop) set to DEBUG.
log = logging.getLogger("alembic_guard.sandbox.database")


class Registered(Protocol):
    """What the registry needs of an open sandbox (a `base.Sandbox`, or an `early.EarlyDatabase`)."""

    def close(self) -> None: ...

    def describe(self) -> str: ...

    def _cancel_running(self) -> None: ...


# ---------------------------------------------------------------------------------------------
# Signal / exit safety: one registry of open sandboxes for the whole process.
# ---------------------------------------------------------------------------------------------
_OPEN: list[Registered] = []
_LOCK = threading.RLock()
_SAVED_HANDLERS: dict[int, object] = {}
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_DEFER_DEPTH = 0  # > 0 while the main thread is cleaning up
_PENDING: list[int] = []  # signals that arrived meanwhile
_INTERRUPTED = False  # a SIGINT arrived while a sandbox was open


def interrupted() -> bool:
    """Whether Ctrl-C (SIGINT) arrived since the first sandbox opened. The KeyboardInterrupt the
    handler raises can be swallowed (Python prints "Exception ignored in ..." for one raised in a
    weakref callback or __del__): callers check this at safe points and raise it again."""
    return _INTERRUPTED


def _on_signal(signum, frame):
    """SIGINT: raise KeyboardInterrupt, so `finally` blocks and `__exit__` clean up as usual.

    SIGTERM: clean up right here, then let the signal do what it would have done without us (the
    previous handler, or the default: the process ends, killed by SIGTERM). Raising SystemExit
    instead is not enough: pytest, and any `except BaseException`, would catch it as an ordinary
    error and carry on, and a cancelled CI job would then be SIGKILLed with everything left behind.
    """
    global _DEFER_DEPTH
    if _DEFER_DEPTH:  # a cleanup is running in the main thread: finish it first
        if signum not in _PENDING:
            _PENDING.append(signum)
        return
    if signum == signal.SIGINT:
        global _INTERRUPTED
        _INTERRUPTED = True  # a KeyboardInterrupt can be lost (raised in a weakref callback); see interrupted()
        if frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
            # raising inside importlib's own lock handling can leave the global import lock held,
            # and the next import in another thread (the database being created) waits forever:
            # deliver it again a moment later, outside importlib
            threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT)).start()
            return
        raise KeyboardInterrupt
    previous = _SAVED_HANDLERS.get(signum, signal.SIG_DFL)
    _DEFER_DEPTH += 1
    try:
        close_all()  # restores the previous handlers once the last sandbox is closed
    finally:
        _DEFER_DEPTH -= 1
        _PENDING.clear()  # we are ending anyway
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers() -> None:
    global _INTERRUPTED
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; atexit still cleans up
    _INTERRUPTED = False
    for sig in _SIGNALS:
        old = signal.getsignal(sig)
        if old is signal.SIG_IGN:
            continue  # the caller asked to ignore it (nohup, background job): keep that
        _SAVED_HANDLERS[sig] = old
        signal.signal(sig, _on_signal)
    _Watchdog.start()


def _restore_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    _Watchdog.stop()
    for sig, old in list(_SAVED_HANDLERS.items()):
        if signal.getsignal(sig) is _on_signal:
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        del _SAVED_HANDLERS[sig]


class _Watchdog:
    """Gets a stuck main thread moving again when SIGINT/SIGTERM arrives.

    Python runs signal handlers in the main thread between bytecodes, so while that thread waits
    in a driver's C call (psycopg2 running a migration's ``SELECT pg_sleep(600)`` or waiting for a
    lock) no handler runs and nothing is cleaned up. CPython's C-level handler still writes the
    signal number to the wakeup fd; this thread reads it and, if a sandbox is still open a moment
    later, cancels the statements running in *our* throwaway databases (never in any other), so
    the call returns and the handler runs. If a SIGTERM is still not handled after
    `TERM_GRACE` seconds, it cleans up itself and ends the process.
    Skipped when someone else (an asyncio loop's signal handling) already owns the wakeup fd.
    """

    CANCEL_AFTER = 0.3
    TERM_GRACE = 10.0
    _pipe: tuple[int, int] | None = None

    @classmethod
    def start(cls) -> None:
        if cls._pipe is not None:
            return
        r, w = os.pipe()
        os.set_blocking(w, False)
        try:
            previous = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        except (ValueError, OSError):
            os.close(r)
            os.close(w)
            return
        if previous != -1:  # taken (e.g. asyncio): leave it alone, handlers still work when not stuck
            signal.set_wakeup_fd(previous)
            os.close(r)
            os.close(w)
            return
        cls._pipe = (r, w)
        threading.Thread(target=cls._run, args=(r,), name="alembic-guard-signals", daemon=True).start()

    @classmethod
    def stop(cls) -> None:
        if cls._pipe is None:
            return
        r, w = cls._pipe
        cls._pipe = None
        current = signal.set_wakeup_fd(-1)
        if current not in (w, -1):  # someone replaced ours meanwhile: keep theirs
            signal.set_wakeup_fd(current)
        os.close(w)  # the thread sees EOF and closes `r`

    @classmethod
    def _run(cls, r: int) -> None:
        try:
            while True:
                data = os.read(r, 64)
                if not data:
                    return
                signums = set(data) & {int(s) for s in _SIGNALS}
                if signums:
                    cls._unstick(signal.SIGTERM in signums)
        except OSError:
            return
        finally:
            os.close(r)

    @classmethod
    def _unstick(cls, terminate: bool) -> None:
        time.sleep(cls.CANCEL_AFTER)
        for sandbox in list(_OPEN):
            try:
                sandbox._cancel_running()
            except Exception as exc:  # noqa: BLE001 - best effort, from a helper thread
                log.debug("alembic-guard: could not cancel statements in %s: %s", sandbox.describe(), mask_secrets(str(exc)))
        if not terminate:
            return
        deadline = time.monotonic() + cls.TERM_GRACE
        while _OPEN and time.monotonic() < deadline:
            time.sleep(0.05)
        if _OPEN:  # the main thread never got to it: clean up from here and end as SIGTERM would
            log.warning("alembic-guard: SIGTERM not handled by the main thread; cleaning up from the signal watchdog")
            close_all()
            os._exit(128 + int(signal.SIGTERM))


def registry_lock() -> threading.RLock:
    """The lock around the registry (and `EarlyDatabase`'s list). Looked up on each use: a forked
    child replaces it (`reset_lock_after_fork`)."""
    return _LOCK


def reset_lock_after_fork() -> None:
    """In a forked child (sandbox/child.py): another thread of the parent may have held the lock at
    the moment of the fork, and it is never released here; take a fresh one."""
    global _LOCK
    _LOCK = threading.RLock()


def register(sandbox: Registered) -> None:
    with _LOCK:
        if sandbox in _OPEN:
            return
        if not _OPEN:
            _install_handlers()
        _OPEN.append(sandbox)


def unregister(sandbox: Registered) -> None:
    with _LOCK:
        if sandbox in _OPEN:
            _OPEN.remove(sandbox)
        if not _OPEN:
            _restore_handlers()


@atexit.register
def close_all() -> None:
    """Close every sandbox still open (also runs at interpreter exit)."""
    for sandbox in reversed(list(_OPEN)):
        try:
            sandbox.close()
        except Exception as exc:  # noqa: BLE001 - exit path: report, keep cleaning
            log.warning("alembic-guard: cleanup of %s failed: %s", sandbox.describe(), mask_secrets(str(exc)))


class SignalsDeferred:
    """Hold SIGINT/SIGTERM back while cleaning up, so a second Ctrl-C cannot cut a cleanup short.

    Blocking the signals is not enough once other threads exist (the kernel then delivers them
    there, and Python still runs the handler in the main thread), so `_on_signal` also checks
    the depth counter and records the signal; it is acted on when the outermost block ends.
    """

    def __enter__(self):
        global _DEFER_DEPTH
        self._main = threading.current_thread() is threading.main_thread()
        if self._main:
            _DEFER_DEPTH += 1
            self._old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        return self

    def __exit__(self, *exc):
        global _DEFER_DEPTH
        if not self._main:
            return
        signal.pthread_sigmask(signal.SIG_SETMASK, self._old)
        _DEFER_DEPTH -= 1
        if _DEFER_DEPTH or not _PENDING:
            return
        pending = list(_PENDING)
        _PENDING.clear()
        signum = signal.SIGTERM if signal.SIGTERM in pending else pending[0]
        if signal.getsignal(signum) is _on_signal:
            _on_signal(signum, None)
        else:  # our handlers are gone (last sandbox closed): deliver it to whoever handles it now
            os.kill(os.getpid(), signum)

