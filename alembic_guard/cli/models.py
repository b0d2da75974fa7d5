"""`alembic-guard models`: what autogenerate will see — target_metadata and every model, statically."""

from __future__ import annotations

import click

from alembic_guard import settings as settings_mod
from alembic_guard.cli._options import examples, output_options, output_stream, project_options
from alembic_guard.models import analyse
from alembic_guard.models.render import RENDERERS
from alembic_guard.cli._environments import render_each


@click.command()
@project_options
@output_options(tuple(RENDERERS))
@click.option("--app-path", "app_paths", multiple=True, metavar="PATH", help="Search only these paths for models. Repeatable.")
@examples("""
  alembic-guard models                     # target_metadata, and each model: seen by autogenerate or not
  alembic-guard models --format json       # the same for scripts
""")
def models(path, output_format, output, **options):
    """List env.py's target_metadata and every mapped model, read statically (nothing is imported)."""
    overrides = {k: v for k, v in options.items() if v is not None and v != ()}
    settings = settings_mod.load(path, **overrides)
    with output_stream(output) as out:
        render_each(settings, output_format, out, lambda project, stream: RENDERERS[output_format](project.analysis("models", analyse), stream))


COMMANDS = (models,)
