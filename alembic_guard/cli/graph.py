"""`alembic-guard graph`: heads, bases, branch and merge points; text, Mermaid, DOT or JSON."""

from __future__ import annotations

import click

from alembic_guard import settings as settings_mod
from alembic_guard.cli._options import examples, output_options, output_stream, project_options
from alembic_guard.graph import render as graph_render
from alembic_guard.cli._environments import render_each

FORMATS = ("text", "mermaid", "dot", "json")


@click.command()
@project_options
@output_options(FORMATS)
@examples("""
  alembic-guard graph                      # heads, bases, branch and merge points
  alembic-guard graph --format mermaid     # paste into a Markdown file or a PR comment
  alembic-guard graph --format dot | dot -Tsvg > history.svg
""")
def graph(path, output_format, output, **options):
    """Show the revision graph, read statically (nothing is imported).

    Without -c / -n / --script-location, every Alembic environment below PATH is shown, each
    under a heading."""
    overrides = {k: v for k, v in options.items() if v is not None}
    settings = settings_mod.load(path, **overrides)
    # (the command-line process runs without the cyclic GC: cli.main)
    with output_stream(output) as out:
        render_each(settings, output_format, out, graph_render.RENDERERS[output_format])


COMMANDS = (graph,)
