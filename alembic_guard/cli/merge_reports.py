"""`alembic-guard merge-reports`: combine the JSON reports of a sharded round trip."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from alembic_guard.cli._options import examples, output_options, output_stream, render
from alembic_guard.findings import Severity
from alembic_guard.workflows import merge_reports as shards

FORMATS = ("json", "text", "sarif", "github", "junit")


@click.command("merge-reports")
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@output_options(FORMATS)
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="warning", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@examples("""
  alembic-guard check --db embedded --select AG3 --shard 1/4 --format json -o shard-1.json
  ...
  alembic-guard merge-reports shard-*.json -o roundtrip.json
  alembic-guard merge-reports shard-*.json --format text
""")
def merge_reports(reports, output_format, output, fail_on):
    """Merge `check --shard K/N --format json` reports into one report.

    Findings are de-duplicated by fingerprint; round-trip steps and timings are concatenated in
    shard order. Every shard 1..N must be present exactly once. Exit code as for `check`.
    """
    merged = shards.merge(shards.load(list(reports)))
    if output_format == "json":
        with output_stream(output) as out:
            json.dump(merged, out, indent=2, ensure_ascii=False, default=str)
            out.write("\n")
    else:
        render(shards.to_report(merged), output_format, output)
    threshold = Severity.parse(fail_on)
    sys.exit(1 if any(Severity.parse(f["severity"]) >= threshold for f in merged["findings"]) else 0)


COMMANDS = (merge_reports,)
