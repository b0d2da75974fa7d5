"""`alembic-guard pool`: does the application's connection pool fit the database server?"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from alembic_guard.workflows import pool_audit
from alembic_guard import settings as settings_mod
from alembic_guard.cli._options import examples, output_stream


@click.command()
@click.argument("path", type=click.Path(path_type=Path), default=".", required=False)
@click.option("--db-url", envvar="ALEMBIC_GUARD_DB_URL", required=True, help="The production-like server to compare with (read-only). Env: ALEMBIC_GUARD_DB_URL.")
@click.option("--pool-size", type=click.IntRange(min=0), default=None, help="Pool size per worker (default: from the app's create_engine call, else 5).")
@click.option("--max-overflow", type=click.IntRange(min=-1), default=None, help="Overflow per worker (default: from the app, else 10).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Processes that each open their own pool (gunicorn/uvicorn workers x instances). Default: `workers` setting, else 1.")
@click.option("--pool-recycle", type=int, default=None, help="Seconds after which the pool replaces a connection (default: from the app, else unset).")
@click.option("--app-path", "app_paths", multiple=True, metavar="PATH", help="Where to look for the app's create_engine call (default: PATH). Repeatable.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write the report to FILE.")
@examples("""
  alembic-guard pool --db-url postgresql://ro@db/app --workers 4
  alembic-guard pool app/ --db-url mysql+pymysql://ro@db/app --pool-size 10 --max-overflow 5 --pool-recycle 3600
""")
def pool(path, db_url, pool_size, max_overflow, workers, pool_recycle, app_paths, output_format, output):
    """Compare pool_size + max_overflow x workers with the server's max_connections, and
    pool_recycle with its idle timeout. Read-only. Exit 1 when the pool does not fit.

    Every create_engine / create_async_engine call of the application is read (statically) and
    their pools are added up, each named; --pool-size, --max-overflow and --pool-recycle override
    that setting for every engine. On PostgreSQL, a role that cannot see other roles' sessions in
    detail (no pg_read_all_stats / pg_monitor) still counts them, and the report says so."""
    configured_workers = settings_mod.load(path).workers if path.is_dir() else 1  # a broken pyproject is an error
    skipped: list = []
    files = [f for p in (app_paths or (str(path),)) for f in pool_audit.python_files(Path(p), skipped)]
    for folder, why in skipped:  # e.g. a database volume owned by another user
        click.echo(f"note: {folder}: not read ({why}); skipped", err=True)
    configs = pool_audit.configs_from_source(files, root=path if path.is_dir() else None) or [pool_audit.PoolConfig()]
    flags = {k: v for k, v in {"pool_size": pool_size, "max_overflow": max_overflow, "pool_recycle": pool_recycle}.items() if v is not None}
    if flags:  # a flag overrides that setting of every engine found
        configs = [dataclasses.replace(c, **flags, source=(c.source + " + flags") if c.source != "SQLAlchemy defaults" else "flags") for c in configs]
    configs = [dataclasses.replace(c, workers=workers or configured_workers) for c in configs]
    result = pool_audit.audit(db_url, configs)
    with output_stream(output) as out:
        if output_format == "json":
            out.write(json.dumps(result.to_dict(), indent=2) + "\n")
        else:
            out.write(result.render() + "\n")
    sys.exit(0 if result.fits else 1)


COMMANDS = (pool,)
