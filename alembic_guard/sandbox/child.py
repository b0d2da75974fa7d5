"""The round trip's walk in a forked child: env.py and the migrations never run in our process.

The parent owns the sandbox: it created the first database, and it drops every database (its
`close`), whatever happens to the child. The child gets a copy of everything loaded so far for
free (Alembic, SQLAlchemy, the revision files: a fork costs a few ms, a fresh interpreter ~1 s),
walks, and sends plain data back through a pipe, in frames:

  N name   a database is about to be created (so a child that dies mid-CREATE leaves nothing)
  D url    it was created               X name   the child dropped it itself (fresh-mode rebuild)
  S rev\\tphase   the step starting now  P text   a progress message (shown by the parent)
  R pickle the RoundTripResult           E pickle an exception

A child that ends without R or E died in a migration (`os._exit`, a segfault in a C extension,
SIGKILL): the parent reports that as a finding (AG309) at the step it was running, never as a
clean run.

Signals (Ctrl-C sends SIGINT to the whole process group): in the child SIGINT and SIGTERM do what
they do by default (the child ends at once, even inside a driver's C call; the database is the
parent's to drop), and PR_SET_PDEATHSIG ends it if the parent dies. In the parent, SIGINT raises
KeyboardInterrupt as before (sandbox/database.py); `run_in_child` then SIGKILLs the child, reaps
it and lets the interrupt propagate, so the sandbox's `with` drops everything and the CLI exits
130. A child that died of SIGINT (the signal reached it first) is an interrupt too, never a
finding.

Forking a threaded process copies only the forking thread, and a lock another thread held at
that moment stays locked in the child. The threads alive here are known: the signal watchdog
(blocked in a read of its own pipe) and finished or idle pool threads (the early database's, the
embedded sandbox's import thread); none holds a lock the walk uses. The admin engines use
NullPool, so no pooled connection is shared with the child.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys

from alembic_guard.errors import GuardError
from alembic_guard.masking import mask_secrets
from alembic_guard.sandbox import connection_guard, leftovers
from alembic_guard.sandbox.cleanup import interrupted

_HEADER = struct.Struct("!cI")


def available() -> bool:
    return hasattr(os, "fork")


def run_in_child(walker, sandbox, url: str):
    """`walker.run(url)` in a forked child; the result (or its exception) comes back here."""
    if interrupted():
        raise KeyboardInterrupt
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(walker, sandbox, url, write_fd, parent)  # never returns
    os.close(write_fd)
    sandbox.attach_child(pid)
    frames: list[tuple[bytes, bytes]] = []
    step = ("", "env")
    names = {sandbox.database_name(url)}  # every database of this walk: dropped here at the end
    try:
        status = _collect(pid, read_fd, sandbox, frames, names, step, walker.progress)
    finally:
        sandbox.attach_child(None)  # reaped
        for name in names:
            try:
                sandbox.drop_named(name)
            except Exception as exc:  # noqa: BLE001 - the sandbox's close() tries again, and reports
                sandbox.warnings.append(mask_secrets(f"could not drop {name} after the round trip: {exc}"))
    status, step = status
    if interrupted():  # the parent's KeyboardInterrupt was swallowed somewhere: still an interrupt
        raise KeyboardInterrupt
    for kind, payload in frames:
        if kind == b"R":
            result = pickle.loads(payload)
            result.project = walker.project
            return result
        if kind == b"E":
            raise _exception(payload)
    if (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT) or (
            os.WIFEXITED(status) and os.WEXITSTATUS(status) == 130):
        raise KeyboardInterrupt
    return _died(walker, step, status)


def _collect(pid, read_fd, sandbox, frames, names, step, progress):
    """Read the child's frames until it ends; (wait status, last step). Kills it on an interrupt."""
    try:
        with os.fdopen(read_fd, "rb") as src:
            for kind, payload in _read_frames(src):
                if kind == b"N":
                    names.add(payload.decode())
                    sandbox.adopt(payload.decode())
                elif kind == b"D":
                    created = payload.decode()
                    sandbox.adopt(sandbox.database_name(created), created)
                elif kind == b"X":
                    sandbox.disown(payload.decode())
                elif kind == b"P":
                    if progress is not None:
                        progress(payload.decode(errors="replace"))
                elif kind == b"S":
                    rev, _, phase = payload.decode().partition("\t")
                    step = (rev, phase)
                else:
                    frames.append((kind, payload))
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # reaped by the sandbox's close() (SIGTERM's cleanup ran meanwhile)
            raise GuardError("the sandbox was closed while the round trip ran (the process got SIGTERM)") from None
    except BaseException:  # KeyboardInterrupt, SystemExit: the child must not outlive us
        _kill(pid)
        raise
    return status, step


def _died(walker, step: tuple[str, str], status: int):
    """The result of a walk whose process ended without a word: AG309 at `step`."""
    result = walker.result
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            how = f"was killed by signal {signal.Signals(sig).name}"
        except ValueError:
            how = f"was killed by signal {sig}"
    else:
        how = f"exited with status {os.WEXITSTATUS(status)}"
    rev, phase = step
    result.died = {"revision": rev, "phase": phase, "how": how}
    later = walker.segment[walker.segment.index(rev) + 1:] if rev in walker.segment else walker.segment
    for r in later:
        result.untested.setdefault(r, "the process running the migrations ended before this revision")
    result.mode = walker.mode
    return result


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except ChildProcessError:
            return
        except InterruptedError:
            continue
        except KeyboardInterrupt:
            continue  # a second Ctrl-C: the child is SIGKILLed already, reaping it is instant


def _read_frames(src):
    while True:
        head = src.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return
        kind, size = _HEADER.unpack(head)
        payload = src.read(size)
        if len(payload) < size:
            return
        yield kind, payload


def _exception(payload: bytes) -> BaseException:
    kind, data = pickle.loads(payload)
    if kind == "guard":
        cls, message, hint = data

        exc_type = connection_guard.ForeignConnection if cls == "ForeignConnection" else GuardError
        return exc_type(message, hint=hint)
    if kind == "pickle":
        return pickle.loads(data)
    return RuntimeError(data)


# ---------------------------------------------------------------------------------- the child
def _child(walker, sandbox, url: str, write_fd: int, parent: int) -> None:
    code = 0
    try:
        _reset_signals(parent)
        leftovers.OWNER_PID = parent  # databases made here belong to the parent, which drops them
        after_fork = getattr(sandbox, "after_fork", None)  # any object with create/drop_database will do
        if after_fork is not None:
            after_fork()  # locks the parent's other threads held at the fork are never released here
        out = os.fdopen(write_fd, "wb", buffering=0)

        def send(kind: bytes, payload: bytes) -> None:
            out.write(_HEADER.pack(kind, len(payload)) + payload)

        create, drop = sandbox.create_database, sandbox.drop_database

        def create_database(*args, **kwargs):
            created = create(*args, **kwargs)
            send(b"D", created.encode())
            return created

        def drop_database(dropped):
            drop(dropped)
            send(b"X", sandbox.database_name(dropped).encode())

        sandbox.announce = lambda name: send(b"N", name.encode())
        sandbox.create_database, sandbox.drop_database = create_database, drop_database
        walker.on_step = lambda rev, phase: send(b"S", f"{rev}\t{phase}".encode())
        walker.cancel_on_signal = False  # SIGINT ends the child at once (SIG_DFL)
        if walker.progress is not None:  # shown by the parent (its stderr may not be a file: click's runner)
            walker.progress = lambda message: send(b"P", message.encode())
        try:
            result = walker.run(url, drop=False)
        except GuardError as exc:
            send(b"E", pickle.dumps(("guard", (type(exc).__name__, exc.message, exc.hint))))
        except KeyboardInterrupt:
            code = 130
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            send(b"E", _pickled(exc))
        else:
            result.project = None  # the parent has it; not picklable (and not needed back)
            send(b"R", pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except KeyboardInterrupt:  # Ctrl-C before SIGINT was reset to its default: an interrupt
        code = 130
    except BaseException:  # noqa: BLE001 - the parent reports a child without a result
        code = 1
    finally:
        os._exit(code)


def _pickled(exc: BaseException) -> bytes:
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
        return pickle.dumps(("pickle", data))
    except Exception:  # noqa: BLE001 - unpicklable: its type and text are enough
        return pickle.dumps(("text", mask_secrets(f"{type(exc).__name__}: {exc}")))


def _reset_signals(parent: int) -> None:
    """Default SIGINT/SIGTERM (end at once), no inherited wakeup fd, die with the parent."""
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(sig) is not signal.SIG_IGN:  # ignored (nohup, a background job): stays so
                signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):  # forked from a thread other than the main one: keep Python's
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
        except (OSError, AttributeError):
            pass
