"""The command line: a thin click layer over `alembic_guard.api`.

Commands live one per module in this package (each module exposes `COMMANDS`); they are found
automatically, so adding a command never edits this file. Exceptions are translated exactly once,
here: GuardError -> exit 2 with a message; anything unexpected -> exit 2 without a traceback
(set ALEMBIC_GUARD_DEBUG=1 to see it). Exit codes: 0 clean, 1 findings, 2 could not analyse.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import click

from alembic_guard import __version__
from alembic_guard.errors import GuardError
from alembic_guard.masking import mask_secrets


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
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
    except Exception as exc:  # noqa: BLE001 - never show a traceback to a user
        if os.environ.get("ALEMBIC_GUARD_DEBUG"):
            raise
        click.echo(
            f"alembic-guard: internal error: {type(exc).__name__}: {mask_secrets(str(exc))}\n"
            "  This is a bug in alembic-guard. Set ALEMBIC_GUARD_DEBUG=1 to see the traceback, and report it.",
            err=True,
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
