"""`alembic-guard check`: the CI command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from alembic_guard.cli._options import (
    cache_options,
    LazyChoice,
    examples,
    fail_on_option,
    output_options,
    project_options,
    render,
    selection_options,
    settings_overrides,
)
from alembic_guard.suppressions import add_comments

ENV_DB_URL = "ALEMBIC_GUARD_DB_URL"  # = sandbox.database.ENV_DB_URL (not imported: it loads SQLAlchemy)

# The built-in formats, known without importing the formatters (text first: the default);
# plug-in formats (entry points) are looked up only for help or an unknown --format value.
BUILTIN_FORMATS = ("text", "json", "sarif", "github", "junit", "summary")


def format_names() -> tuple[str, ...]:
    from alembic_guard.formatters import names  # start-up cost: --help and other commands need no formatter

    return names()


FORMATS = LazyChoice(BUILTIN_FORMATS, format_names)


@click.command()
@project_options
@cache_options
@selection_options
@output_options(FORMATS)
@fail_on_option
@click.option("--import", "allow_import", is_flag=True, help="Allow checks that IMPORT the project's code (env.py, Alembic's own loader). Off by default.")
@click.option("--import-timeout", type=float, default=None, metavar="SECONDS", help="With --import: seconds one revision file may take to load (default 60).")
@click.option("--db", default=None, metavar="BACKEND", help="Run round-trip checks (AG3xx) in a throwaway database: embedded | sqlite | docker | auto | a URL. EXECUTES env.py and the migrations. `auto` uses $ALEMBIC_GUARD_DB_URL when set.")
# No envvar: a variable alone never turns a static check into code execution (docs/security.md);
# it supplies the server only once --db asked for a round trip.
@click.option("--db-url", default=None, help="Database server on which to create (and always drop) a throwaway database; runs round trips (EXECUTES env.py and the migrations). With --db auto, ALEMBIC_GUARD_DB_URL is used when this is not given.")
@click.option("--docker-image", default=None, help="Image for --db docker (e.g. postgres:16, mysql:8).")
@click.option("--with-data", is_flag=True, help="Seed synthetic rows before each upgrade in round trips.")
@click.option("--trace/--no-trace", "trace", default=None, help="PostgreSQL round trips: trace the locks and rewrites of each revision's upgrade (default: on; `trace = false` in settings turns it off).")
@click.option("--rows", "trace_rows", multiple=True, metavar="TABLE=N", help="For the lock trace: seed N more synthetic rows into TABLE as soon as a revision creates it. Repeatable.")
@click.option("--step-timeout", type=float, default=None, help="Seconds a migration step may take (statement/lock timeout).")
@click.option("--shard", default=None, metavar="K/N", help="Round-trip only the K-th of N contiguous segments of the history.")
@click.option("--env-var", "env_vars", multiple=True, metavar="NAME", help="Environment variable env.py reads its database URL from; set to the sandbox's URL while env.py runs (default: DATABASE_URL). Repeatable.")
@click.option("--dialect", default=None, help="Dialect for operation rules: postgresql | mysql | sqlite (default: from alembic.ini).")
@click.option("--server-version", default=None, help="Target server version for version-dependent rules, e.g. 15 or 8.0.")
@click.option("--since", "since_revision", default=None, metavar="REVISION", help="Report only revisions after REVISION.")
@click.option("--changed-since", default=None, metavar="GIT_REF", help="Report only revisions added or changed since GIT_REF.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Hide findings already in this JSON report.")
@click.option("--base-ref", default=None, metavar="GIT_REF", help="Pull-request guard: flag revisions that will make a second head once merged into GIT_REF.")
@click.option("--app-path", "app_paths", multiple=True, metavar="PATH", help="Application code for the session/pool audit (AG5xx). Repeatable.")
@click.option("--also", "also", multiple=True, metavar="FORMAT=FILE", help="Also write the same report in another format to FILE (one run, several outputs; e.g. sarif=guard.sarif). Repeatable.")
@click.option("--jobs", type=click.IntRange(min=0), default=None, metavar="N", help="Processes for reading large histories (1,000+ revision files): 0 = one per CPU (default), 1 = serial.")
@click.option("--progress/--no-progress", default=None, help="Show progress on long work (default: on a terminal).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported (2 still means could not analyse).")
@click.option("--statistics", is_flag=True, help="Instead of the findings, print how many each rule gave, most frequent first.")
@click.option("--add-noqa", is_flag=True, help="Suppress every current finding in place with an `# alembic-guard: ignore[CODE]` comment (adopting the tool on an existing project), then exit 0.")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour in text output; auto: on a terminal, honouring NO_COLOR and FORCE_COLOR.")
@examples("""
  alembic-guard check                              # static checks, project in .
  alembic-guard check app/ --select AG1 --format github
  alembic-guard check migrations/versions/abc123_add_user.py   # that revision's findings only
  alembic-guard check --db embedded --select AG3   # round trip in a private PostgreSQL
  alembic-guard check --format sarif -o guard.sarif
""")
def check(path, output_format, output, fail_on, progress, also, exit_zero, statistics, color, add_noqa, **options):
    """Analyse an Alembic project and report findings.

    Static by default: revision files and env.py are read, never imported or run. --import and
    --db execute the project's code and say so.
    """
    extra_outputs = [_also(value) for value in also]
    if color != "auto":  # the text formatter reads the conventional variables (no-color.org, force-color.org)
        os.environ.pop("NO_COLOR" if color == "always" else "FORCE_COLOR", None)
        os.environ["FORCE_COLOR" if color == "always" else "NO_COLOR"] = "1"
    from alembic_guard import rules  # start-up cost: every rule module, imported only by the commands that run rules

    settings = rules.load_settings(path, fail_on=fail_on, **settings_overrides(**options))
    if progress is None:
        progress = sys.stderr.isatty()
    from alembic_guard import api  # the engine and every rule: imported only when checking

    try:
        report = api.check(settings, progress=_progress_printer() if progress else None)
    finally:
        if progress:
            click.echo("\r\x1b[2K", err=True, nl=False)  # leave no half progress line behind
    if add_noqa:
        _add_noqa(report)
        return
    render(report, "statistics" if statistics else output_format, output)
    for fmt, target in extra_outputs:
        render(report, fmt, target)
    _note_unused_db_variable(settings, report)
    sys.exit(0 if exit_zero else report.exit_code(settings.fail_on))


def _add_noqa(report) -> None:
    written, left = add_comments(report.root, report.findings)
    total = sum(written.values())
    click.echo(f"Added {total} suppression comment{'s' if total != 1 else ''} in {len(written)} file{'s' if len(written) != 1 else ''}.")
    if left:
        click.echo(f"{left} finding{'s' if left != 1 else ''} could not be suppressed in place (no line, or not in a Python file): "
                   "use --baseline for those (`check --format json -o baseline.json`, then `--baseline baseline.json`).")


def _note_unused_db_variable(settings, report) -> None:
    """$ALEMBIC_GUARD_DB_URL alone never runs a round trip (docs/security.md): say so on stderr
    when round-trip rules were skipped for want of a database (the report itself stays the same
    whatever the environment)."""
    if settings.db or settings.db_url or not os.environ.get(ENV_DB_URL):
        return
    if any(s.reason.startswith("needs a database") for s in report.skipped):
        click.echo(f"note: ${ENV_DB_URL} is set, but a round trip needs a flag: --db auto uses it "
                   "(executes env.py and the migrations)", err=True)


def _also(value: str) -> tuple[str, Path]:
    fmt, sep, target = value.partition("=")
    if not sep or not target or fmt not in FORMATS.choices:
        raise click.BadParameter(f"{value!r}: use FORMAT=FILE with FORMAT one of {', '.join(FORMATS.choices)}", param_hint="--also")
    return fmt, Path(target)


def _progress_printer():
    def show(message: str) -> None:
        click.echo(f"\r\x1b[2K{message}", err=True, nl=False)

    return show


COMMANDS = (check,)
