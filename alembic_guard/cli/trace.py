"""`alembic-guard trace REV`: the locks, rewrites and scans one revision's upgrade really took in
PostgreSQL, statement by statement, read from a saved JSON report (`--report`) or measured now in
a throwaway database when --db / --db-url asks for it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from alembic_guard.cli._options import examples, output_options, output_stream, project_options
from alembic_guard.errors import GuardError

FORMATS = ("text", "json")


@click.command()
@click.argument("rev", metavar="REV")
@project_options
@output_options(FORMATS)
@click.option("--report", "report", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A JSON report written by `alembic-guard check --db … --format json` (a CI artifact): print "
                   "REV's trace from it; nothing is run.")
@click.option("--db", default=None, metavar="BACKEND",
              help="Trace now in a throwaway database: embedded | docker | auto | a URL (PostgreSQL only). "
                   "EXECUTES env.py and the migrations.")
@click.option("--db-url", default=None, metavar="URL",
              help="PostgreSQL server on which to create (and always drop) the throwaway database to trace in. "
                   "EXECUTES env.py and the migrations.")
@click.option("--with-data", is_flag=True, help="With --db/--db-url: seed synthetic rows before each upgrade.")
@click.option("--rows", "trace_rows", multiple=True, metavar="TABLE=N",
              help="With --db/--db-url: seed N synthetic rows into TABLE as soon as a revision creates it, for "
                   "timings. Repeatable.")
@examples("""
  alembic-guard trace 3f2a --report guard.json        # from a CI round trip's JSON artifact
  alembic-guard trace head --report guard.json --format json
  alembic-guard trace 3f2a --db-url postgresql://postgres@localhost   # run the round trip now
""")
def trace(rev, path, output_format, output, report, db, db_url, with_data, trace_rows, **options):
    """Show the locks one revision's upgrade took, statement by statement.

    REV is a revision id, a unique prefix of one, `head` (the last traced revision), or A:B (the
    traced revisions after A up to B, as Alembic reads a range). Each statement is shown with its
    line in the revision file, its duration, the locks it newly took on relations that existed
    before the revision and what each lock blocks (reads, writes), and the tables it rewrote or
    read whole. Nothing runs unless --db or --db-url is given.
    """
    from alembic_guard.trace import model, render

    if report is not None:
        try:
            found = model.load_trace(report)
        except model.TraceFileError as exc:
            raise GuardError(str(exc)) from None
    elif db or db_url:
        found = _trace_now(path, db=db, db_url=db_url, with_data=with_data, trace_rows=trace_rows, **options)
    else:
        raise GuardError("nothing to show: pass --report FILE (a JSON report with a lock trace), or --db/--db-url "
                         "to run the round trip now (executes env.py and the migrations)")
    chosen = select(found, rev)
    with output_stream(output) as out:
        if output_format == "json":
            data = {"server_version": found.server_version, "with_data": found.with_data,
                    "revisions": [render.to_json(t) for t in chosen]}
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
        else:
            out.write("\n".join(render.render_text(t) for t in chosen))
    sys.exit(0)


def select(found, rev: str) -> list:
    """The traced revisions REV names (see the command's help); GuardError (exit 2) when none."""
    order = list(found.revisions)
    if not order:
        note = f" ({found.note})" if found.note else ""
        raise GuardError(f"the trace holds no revision{note}")
    if ":" in rev:
        lower, _, upper = rev.partition(":")
        start = order.index(_one(order, lower)) + 1 if lower and lower != "base" else 0
        end = order.index(_one(order, upper)) + 1 if upper and upper != "head" else len(order)
        picked = order[start:end]
        if not picked:
            raise GuardError(f"{rev}: no traced revision in that range")
        return [found.revisions[r] for r in picked]
    return [found.revisions[_one(order, rev)]]


def _one(order: list[str], rev: str) -> str:
    if rev == "head":
        return order[-1]
    if rev in order:
        return rev
    matches = [r for r in order if r.startswith(rev)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise GuardError(f"revision prefix {rev!r} is ambiguous: {', '.join(matches[:8])}")
    shown = ", ".join(order[:8]) + (f" and {len(order) - 8} more" if len(order) > 8 else "")
    raise GuardError(f"revision {rev!r} is not in the trace (traced: {shown})",
                     hint="a revision the round trip did not reach, or a report from another branch")


def _trace_now(path, *, db, db_url, with_data, trace_rows, **options):
    """The round trip of `check --db` with the lock trace on (forked child, connection guard,
    throwaway database always dropped), and its Trace. PostgreSQL only."""
    from alembic_guard import api  # the engine and the round trip: imported only when tracing now
    from alembic_guard import settings as settings_mod
    from alembic_guard.cli._options import settings_overrides
    from alembic_guard.trace.model import Trace

    for value in (db, db_url):
        scheme = value.split(":", 1)[0].split("+", 1)[0].lower() if value and "://" in value else None
        if (scheme and scheme not in ("postgres", "postgresql")) or value == "sqlite":
            raise GuardError(f"lock traces need PostgreSQL; {scheme or value} records none",
                             hint="pass a PostgreSQL server (--db-url postgresql://…) or --db embedded")
    settings = settings_mod.load(path, select=("AG3",), trace=True, **settings_overrides(
        db=db, db_url=db_url, with_data=with_data, trace_rows=trace_rows, **options))
    report = api.check(settings)
    data = (report.facts.get("roundtrip") or {}).get("trace")
    if not isinstance(data, dict):
        why = "; ".join(s.reason for s in report.skipped) or "the round trip recorded no trace"
        raise GuardError(f"no lock trace: {why}")
    return Trace.from_dict(data)


COMMANDS = (trace,)
