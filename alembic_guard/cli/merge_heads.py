"""`alembic-guard merge-heads`: fix "Multiple head revisions are present" in one command."""

from __future__ import annotations

import sys

import click

from alembic_guard.workflows import linear_history
from alembic_guard.workflows import merge_heads as lib
from alembic_guard import settings as settings_mod
from alembic_guard.cli._options import examples, project_options
from alembic_guard.project import Project


@click.command("merge-heads")
@project_options
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing and import nothing.")
@click.option("-m", "--message", default=None, help="Message of the merge revision (default: names the merged heads).")
@click.option("--label", "only_label", default=None, metavar="BRANCH_LABEL", help="Merge only the heads of this branch label.")
@click.option("--strict", is_flag=True, help="Do not write (exit 1) when the merged branches change the same table.")
@examples("""
  alembic-guard merge-heads --dry-run     # which heads, what the merge revision would say, conflicts
  alembic-guard merge-heads               # write it with Alembic's `command.merge`
  alembic-guard merge-heads --label contract -m "merge contract heads"

Writing runs Alembic's `command.merge`: it IMPORTS every revision file (their module-level code
runs) and renders the project's script.py.mako; env.py only runs when the project sets
revision_environment = true. --dry-run reads the files statically.
""")
def merge_heads(path, dry_run, message, only_label, strict, **options):
    """Write one merge revision for several heads (per branch label where labels are used).

    Before writing it warns when the branches being merged change the same table or column since
    they forked (two revisions neither of which comes before the other; with three or more heads,
    a revision some of them share counts once): Alembic merges the graph, not the schema changes,
    so check their order.
    """
    overrides = {k: v for k, v in options.items() if v is not None}
    settings = settings_mod.load(path, **overrides)
    project = Project.load(settings)
    groups = [g for g in lib.plan(project) if only_label is None or g.label == only_label]
    if not groups:
        heads = project.graph.heads
        where = f"branch `{only_label}`" if only_label else "the history"
        click.echo(f"Nothing to merge: {where} has {'one head: ' + heads[0] if len(heads) == 1 else f'{len(heads)} heads, one per branch label'}.")
        sys.exit(0)
    warned = False
    for group in groups:
        where = f" (branch `{group.label}`)" if group.label else ""
        click.echo(f"Heads to merge{where}: {', '.join(group.heads)}")
        click.echo(f"  forked at: {', '.join(group.fork) or '(no common ancestor)'}")
        for head, since in group.branches.items():
            click.echo(f"  {head}: {len(since)} revision{'s' if len(since) != 1 else ''} of its own since the fork ({', '.join(since)})")
        if group.shared:
            click.echo(f"  shared by some of these heads: {', '.join(group.shared)}")
        for line in group.conflicts():
            warned = True
            click.echo(f"warning: {line}", err=True)
        text = message or group.message
        if dry_run:
            click.echo(f"would write: a revision with down_revision = {tuple(group.heads)!r} and message {text!r}")
            continue
        if strict and group.conflicts():
            click.echo("not written (--strict): the merged branches change the same table; check their order first", err=True)
            sys.exit(1)
        written = lib.write(project, group, text)
        click.echo(f"wrote {project.relpath(written)}: merges {', '.join(group.heads)}")
    if not dry_run:
        fresh = Project.load(settings)
        if linear_history.read(fresh).exists:
            marker, changed = linear_history.update(fresh)
            if changed:
                click.echo(f"updated {fresh.relpath(marker)}: {', '.join(fresh.graph.heads)}")
    if warned:
        click.echo("note: Alembic runs both branches in an unspecified order; make sure they do not depend on each other.", err=True)
    sys.exit(0)


COMMANDS = (merge_heads,)
