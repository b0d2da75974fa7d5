"""`alembic-guard gate`: the pre-deploy check of a live database against the code (read-only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from alembic_guard.workflows import gate as gate_lib
from alembic_guard.workflows import gate_output
from alembic_guard.cli._options import examples, fail_on_option, output_options, output_stream, project_options, selection_options, settings_overrides

FORMATS = ("text", "json", "markdown")
_EXITS = "\n".join(f"  {code}  {name}: {meaning}" for name, (code, meaning) in sorted(gate_lib.STATUSES.items(), key=lambda kv: kv[1][0]))


@click.command(epilog="\b\nExit codes:\n" + _EXITS + "\n  2  could not analyse (no project, database unreachable, version table unreadable)")
@project_options
@selection_options
@output_options(FORMATS)
@fail_on_option
@click.option("--db-url", required=True, envvar=["ALEMBIC_GUARD_GATE_DB_URL", "ALEMBIC_GUARD_DB_URL"], metavar="URL", help="The database to inspect (read-only). Env: ALEMBIC_GUARD_GATE_DB_URL, then ALEMBIC_GUARD_DB_URL.")
@click.option("--version-table", default=None, help="Alembic version table (default: from env.py's context.configure(), else alembic_version).")
@click.option("--version-table-schema", default=None, help="Schema of the version table (default: from env.py, else the connection's default).")
@click.option("--allow-pending", is_flag=True, help="Pass (exit 0) when revisions are pending but none has a finding at/above --fail-on: for pipelines that migrate next.")
@click.option("--allow-empty", is_flag=True, help="Treat a database without a version table (never migrated) like --allow-pending: a first deploy.")
@click.option("--no-lint", is_flag=True, help="Do not lint the pending revisions.")
@click.option("--also", "also", multiple=True, metavar="FORMAT=FILE", help="Also write the result in another format to FILE (e.g. markdown=summary.md). Repeatable.")
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL the pending revisions would run (Alembic offline mode in a subprocess: EXECUTES env.py and the revision files).")
@click.option("--trace", "trace_file", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE",
              help="A JSON report with a lock trace (`check --db … --format json`, the CI artifact): the pending "
                   "revisions' measured locks and timings replace the predicted ones (PostgreSQL).")
@click.option("--block-write-lock-over", default=None, metavar="ROWS_OR_SIZE",
              help="Block the deploy (exit 1) when a pending revision takes a lock that blocks writes (SHARE or "
                   "stronger, ACCESS EXCLUSIVE included) on a table over this many rows (1000000, 2M) or this size "
                   "(500MB, 2GB) in this database (PostgreSQL).")
@click.option("--no-sizing", is_flag=True, help="Do not read the sizes of the tables the pending revisions lock.")
@examples("""
  alembic-guard gate --db-url "$DATABASE_URL"                  # before deploying this code
  alembic-guard gate --db-url "$DATABASE_URL" --allow-pending  # the pipeline runs `alembic upgrade head` next
  alembic-guard gate --format json -o gate.json --sql
  alembic-guard gate --db-url "$DATABASE_URL" --trace guard.json --block-write-lock-over 1M
""")
def gate(path, output_format, output, fail_on, db_url, version_table, version_table_schema, allow_pending, allow_empty,
         no_lint, show_sql, also, trace_file, block_write_lock_over, no_sizing, **options):
    """Compare a live database with the code before deploying it. Never writes.

    Reads the Alembic version table read-only (PostgreSQL: default_transaction_read_only and a READ
    ONLY transaction; MySQL/MariaDB: START TRANSACTION READ ONLY; SQLite: mode=ro) with one plain
    SELECT, and compares it with the revision graph read statically from the code. Pending revisions
    are listed in upgrade order and linted (static rules only). On PostgreSQL the tables they lock
    are sized from the catalogue (rows, MB), with the lock mode (measured with --trace, else
    predicted), what it blocks and a rough duration class. The project's code is not imported,
    except with --sql.
    """
    extra = [_also(v) for v in also]
    from alembic_guard import rules  # start-up cost: every rule module, imported only by the commands that run rules

    settings = rules.load_settings(path, fail_on=fail_on, **settings_overrides(**options))
    result = gate_lib.evaluate(
        settings,
        db_url,
        version_table=version_table,
        version_table_schema=version_table_schema,
        allow_pending=allow_pending,
        allow_empty=allow_empty,
        lint=not no_lint,
        sql=show_sql,
        sizes=not no_sizing,
        trace_file=trace_file,
        block_write_lock_over=block_write_lock_over,
    )
    for fmt, target in [(output_format, output), *extra]:
        with output_stream(target) as out:
            _render(result, fmt, out)
    sys.exit(result.exit_code)


def _render(result, fmt: str, out) -> None:
    if fmt == "json":
        json.dump(result.to_dict(), out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
    elif fmt == "markdown":
        gate_output.render_markdown(result, out)
    else:
        gate_output.render_text(result, out)


def _also(value: str) -> tuple[str, Path]:
    fmt, sep, target = value.partition("=")
    if not sep or not target or fmt not in FORMATS:
        raise click.BadParameter(f"{value!r}: use FORMAT=FILE with FORMAT one of {', '.join(FORMATS)}", param_hint="--also")
    return fmt, Path(target)


COMMANDS = (gate,)
