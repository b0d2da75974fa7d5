"""The command line: a thin click layer over `alembic_guard.api`.

Commands live one per module in this package (each module exposes `COMMANDS`); they are found
automatically, so adding a command never edits this file, and imported on demand (`LazyGroup`). Exceptions are translated exactly once,
here: GuardError -> exit 2 with a message; anything unexpected -> exit 2 without a traceback
(set ALEMBIC_GUARD_DEBUG=1 to see it). Exit codes: 0 clean, 1 findings, 2 could not analyse.
"""

from __future__ import annotations

import errno
import gc
import importlib
import os
import pkgutil
import sys

import click

from alembic_guard import __version__
from alembic_guard.errors import GuardError
from alembic_guard.masking import MaskingStream, mask_secrets, register_secrets


class LazyGroup(click.Group):
    """A group whose command modules are imported on demand.

    Discovery is unchanged: every module of this package not starting with `_` that exposes
    `COMMANDS` contributes its commands. But `alembic-guard graph` imports only `cli/graph.py`
    (the module named like the command, `-` read as `_`); the other modules are imported only when
    the name is not found there, or when every command is needed (help, `commands`).
    """

    def __init__(self, *args, **kwargs) -> None:
        self._all_loaded = False
        self._loaded_modules: set[str] = set()
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:  # type: ignore[override]
        self._load_all()
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._commands[name] = cmd

    def _load(self, module_name: str) -> None:
        if module_name in self._loaded_modules:
            return
        self._loaded_modules.add(module_name)
        module = importlib.import_module(f"{__name__}.{module_name}")
        for command in getattr(module, "COMMANDS", ()):
            self.add_command(command)

    def _module_names(self) -> list[str]:
        return sorted(i.name for i in pkgutil.iter_modules(__path__) if not i.name.startswith("_"))

    def _load_all(self) -> None:
        if self._all_loaded:
            return
        self._all_loaded = True
        for name in self._module_names():
            self._load(name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._commands:
            guess = cmd_name.replace("-", "_")
            if guess.isidentifier() and not guess.startswith("_") and guess in self._module_names():
                self._load(guess)
            if cmd_name not in self._commands:
                self._load_all()
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return sorted(self._commands)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="alembic-guard")
def cli() -> None:
    """Catch the Alembic migration that would break production, before it merges.

    \b
    Examples:
      alembic-guard check                      # static checks on the project here
      alembic-guard check path/to/project --format github
      alembic-guard graph --format mermaid     # picture of the revision history
      alembic-guard rules                      # every rule, by code
      alembic-guard rule AG101                 # one rule's documentation

    Exit codes: 0 clean, 1 findings at/above --fail-on, 2 could not analyse.
    """


def main(argv: list[str] | None = None) -> None:
    """The console script. `argv` given (tests, embedding): raises SystemExit like any click app.
    From the command line (no `argv`), the process ends with `_exit_now` once the work is done,
    unless a profiler or a tracer (debugger, coverage) is watching."""
    if argv is not None or sys.getprofile() is not None or sys.gettrace() is not None:
        _main(argv)  # (a profiler or debugger writes its results after we return)
        return
    # A one-shot process: Python's cyclic garbage collector costs a tenth of the CPU time here
    # (it walks every object imports and analyses allocate) and frees next to nothing (a
    # 5,000-revision check: the same peak memory without it). The round trip, which does leave
    # cycles behind, collects every few dozen revisions itself (roundtrip._CollectEvery).
    gc.disable()
    try:
        _main(None)
    except SystemExit as exc:
        if exc.code is not None and not isinstance(exc.code, int):
            raise
        _exit_now(exc.code or 0)
    _exit_now(0)


def _exit_now(code: int) -> None:
    """End the process as `sys.exit` would, minus the interpreter's teardown.

    Python's finalization frees every object module by module: with SQLAlchemy, Alembic and a
    project's revisions loaded that takes 0.1-0.25 s, about a tenth of a whole round trip, for
    nothing a command-line process needs. What `sys.exit` does that matters still happens, in the
    same order: non-daemon threads are joined, `atexit` handlers run (sandbox cleanup, logging
    shutdown), the standard streams are flushed."""
    import atexit
    import signal
    import threading

    # Ctrl-C during this sequence (after the report, before the process is gone) still means exit
    # 130, after the cleanup: record it instead of letting it break an atexit handler, whose
    # KeyboardInterrupt atexit would only print, and the process would end with `code`
    interrupted: list[int] = []
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # noqa: SLF001 - the documented-in-spirit way to run them early
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1  # like the interpreter: a failed flush of stdout is an error
    os._exit(130 if interrupted else code)


def _guard_output(argv: list[str] | None) -> None:
    """Passwords never printed: remember the passwords of every URL this process was given (its
    arguments, alembic-guard's variables, any *_URL / *_URI / *_DSN variable), and mask every line written to stdout and
    stderr (see alembic_guard.masking; report files are masked in `_options.output_stream`)."""
    args = sys.argv[1:] if argv is None else argv
    env = [v for k, v in os.environ.items() if k.startswith("ALEMBIC_GUARD_") or k.endswith(("_URL", "_URI", "_DSN"))]
    register_secrets([*args, *env])
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, MaskingStream):
            setattr(sys, name, MaskingStream(stream))


def _main(argv: list[str] | None) -> None:
    _guard_output(argv)
    try:
        code = cli.main(args=argv, prog_name="alembic-guard", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GuardError as exc:
        click.echo(f"alembic-guard: error: {mask_secrets(str(exc))}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    except OSError as exc:
        if exc.errno not in _OUTPUT_FULL:
            _internal_error(exc)
        # stdout on a full disk (or /dev/full): the report could not be delivered
        try:
            sys.stdout.flush()
        except OSError:  # what is still buffered cannot be written either: drop it, not a second error at exit
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        click.echo(f"alembic-guard: error: cannot write the output: {exc.strerror}", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - never show a traceback to a user
        _internal_error(exc)
    sys.exit(code if isinstance(code, int) else 0)


_OUTPUT_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _internal_error(exc: Exception) -> None:
    if os.environ.get("ALEMBIC_GUARD_DEBUG"):
        raise exc
    click.echo(
        f"alembic-guard: internal error: {type(exc).__name__}: {mask_secrets(str(exc))}\n"
        "  This is a bug in alembic-guard. Set ALEMBIC_GUARD_DEBUG=1 to see the traceback, and report it.",
        err=True,
    )
    sys.exit(2)
