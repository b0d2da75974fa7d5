"""`alembic-guard linear-history update|check`: the opt-in `versions/HEAD` marker."""

from __future__ import annotations

import sys

import click

from alembic_guard.workflows import linear_history as lib
from alembic_guard import settings as settings_mod
from alembic_guard.cli._options import examples, project_options
from alembic_guard.project import Project


def _project(path, options) -> Project:
    overrides = {k: v for k, v in options.items() if v is not None}
    return Project.load(settings_mod.load(path, **overrides))


@click.group("linear-history")
@examples("""
  alembic-guard linear-history update      # opt in: write versions/HEAD, then commit it
  alembic-guard linear-history check       # exit 1 when the marker is stale or missing
""")
def linear_history() -> None:
    """Opt-in marker file that turns parallel migrations into a git conflict.

    `update` writes `HEAD` in the versions folder naming the current head; commit it. Every new
    revision then changes the same line, so two branches that each add one conflict in git instead
    of leaving two heads after the merge. `check` (and rule AG111 in `alembic-guard check`) fails
    when the marker is stale.
    """


@linear_history.command("update")
@project_options
@examples("""
  alembic-guard linear-history update      # after `alembic revision ...`; then git add versions/HEAD
""")
def update(path, **options):
    """Write (or create, opting in) the marker with the current head(s)."""
    project = _project(path, options)
    heads = project.graph.heads
    unlabelled = project.graph.heads_by_label().get(None, ())
    if len(unlabelled) > 1:
        click.echo(
            f"not written: the history has several unlabelled heads ({', '.join(unlabelled)}); "
            "merge them first (`alembic-guard merge-heads`), then update",
            err=True,
        )
        sys.exit(1)
    target, changed = lib.update(project)
    rel = project.relpath(target)
    click.echo(f"{'wrote' if changed else 'unchanged'} {rel}: {', '.join(heads) or '(no revisions)'}")


@linear_history.command("check")
@project_options
@examples("""
  alembic-guard linear-history check       # exit 1 when versions/HEAD is missing or stale
""")
def check(path, **options):
    """Exit 0 when the marker names the current head(s), 1 when it is stale or missing."""
    project = _project(path, options)
    state = lib.read(project)
    rel = project.relpath(state.path)
    if not state.exists:
        click.echo(f"{rel}: no marker (opt in with `alembic-guard linear-history update`)")
        sys.exit(1)
    if state.stale:
        click.echo(f"{rel}: stale: names {', '.join(state.listed) or 'nothing'}, the head is {', '.join(state.expected) or 'none'}")
        click.echo("  run `alembic-guard linear-history update` and commit it")
        sys.exit(1)
    click.echo(f"{rel}: up to date ({', '.join(state.expected)})")


COMMANDS = (linear_history,)
