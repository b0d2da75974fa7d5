"""The gate's result for people: text for a terminal or a CI log, Markdown for a job summary.

Pure rendering of a `gate.GateResult` (the JSON shape is `GateResult.to_dict`, described by
gate.schema.json). This module must not connect to anything or decide the outcome.
"""

from __future__ import annotations

from alembic_guard.findings import Report
from alembic_guard.workflows.gate import STATUSES, GateResult
from alembic_guard.trace.model import blocks_text
from alembic_guard.trace.render import seconds_text


def render_text(result: GateResult, out) -> None:
    """The verdict and everything behind it, for a terminal or a CI log."""
    g = result.project.graph
    where = f"{result.url} ({result.dialect}, version table `{result.version_table}`)"
    out.write(f"database: {where}\n")
    out.write(f"code heads: {', '.join(result.code_heads) or '(no revisions)'}\n")
    if not result.table_exists:
        out.write(f"the version table `{result.version_table}` does not exist: this database was never migrated\n")
    else:
        out.write(f"database revisions: {', '.join(result.db_revisions) or '(none: at base)'}\n")
    for b in result.branches:
        labels = f" [{', '.join(b.labels)}]" if b.labels else ""
        if b.status == "unknown":
            out.write(f"  {b.db_revision}: UNKNOWN to this code — newer code was deployed, or its migration file was deleted\n")
            for line in b.history:
                out.write(f"    git has it in: {line}\n")
            if not b.history:
                out.write("    git does not know it in this repository's migrations folder\n")
        elif b.status == "behind":
            out.write(f"  {b.db_revision}{labels}: behind by {len(b.pending)}\n")
        else:
            out.write(f"  {b.db_revision}{labels}: at head\n")
    if result.pending:
        out.write(f"pending revisions ({len(result.pending)}, in upgrade order):\n")
        for rid in result.pending:
            rev = g[rid]
            path = f"  [{rev.location.path}]" if rev.location else ""
            out.write(f"  {rid}  {rev.message or ''}{path}\n")
    if result.findings:
        from alembic_guard.formatters import text

        out.write("findings in the pending revisions:\n")
        rules = result.report.rules if result.report is not None else ()
        text.render(Report(result.project.root, result.findings, rules), out, colour=False)
    if result.sizing is not None:
        sizing_text(result, out)
    for note in result.notes:
        out.write(f"note: {note}\n")
    if result.sql:
        out.write("\n-- SQL the pending revisions would run (Alembic offline mode; env.py was executed):\n")
        out.write(result.sql)
    code, meaning = STATUSES[result.outcome]
    verdict = result.outcome
    if result.outcome == "blocked" and not result.blocking:
        meaning = ("a pending revision takes a write-blocking lock on a table over "
                   f"--block-write-lock-over {result.sizing.limit.text}")
    if result.outcome == "up-to-date" and result.status != "up-to-date":
        meaning = f"{result.status}, allowed ({'--allow-pending' if result.status == 'behind' else '--allow-empty'}): no pending revision has a finding at or above {result.fail_on.label}"
    out.write(f"gate: {verdict} (exit {code}): {meaning}\n")


def sizing_text(result: GateResult, out) -> None:
    """Per pending revision: the tables it locks, their production size, the lock and what it
    blocks, and a rough duration class; then the policy's verdict."""
    sizing = result.sizing
    g = result.project.graph
    source = f"measured in {sizing.trace_file} where it holds the revision, else " if sizing.trace_file else ""
    out.write(f"production sizes of the tables the pending revisions lock (locks {source}predicted from the code; "
              "durations are rough classes):\n")
    for rs in sizing.revisions:
        rev = g[rs.revision] if rs.revision in g else None
        message = f"  {rev.message}" if rev is not None and rev.message else ""
        out.write(f"  {rs.revision}{message}:\n")
        if not rs.tables:
            out.write("    locks no table that existed before it\n")
        for t in rs.tables:
            use = t.use
            line = f", line {use.line}" if use.line else ""
            if t.size is None or not t.size.found:
                out.write(f"    {use.table}: {use.mode} ({use.source}{line}: {use.what}); "
                          f"{t.size.text() if t.size is not None else 'size unknown'}\n")
                continue
            out.write(f"    {use.table}: {t.size.text()}\n")
            out.write(f"      {use.mode} ({use.source}{line}: {use.what}): {blocks_text(use.mode)}\n")
            if use.work == "instant":
                out.write(f"      instant: {t.basis}\n")
            else:
                took = f"~{seconds_text(t.seconds)}; " if t.seconds is not None else ""
                out.write(f"      {use.work}: {t.duration} ({took}{t.basis})\n")
        for note in rs.notes:
            out.write(f"    note: {note}\n")
    for note in sizing.notes:
        out.write(f"  note: {note}\n")
    if sizing.limit is not None:
        violations = sizing.violations
        verdict = "BLOCKS the deploy" if violations else "passes"
        out.write(f"policy --block-write-lock-over {sizing.limit.text}: {verdict}\n")
        for v in violations:
            out.write(f"  {v['message']}\n")


def render_markdown(result: GateResult, out) -> None:
    """The gate's verdict for a job summary (`$GITHUB_STEP_SUMMARY`)."""
    from alembic_guard.formatters.summary import _cell

    g = result.project.graph
    code, meaning = STATUSES[result.outcome]
    icon = "✅" if code == 0 else "❌"
    out.write("## alembic-guard gate\n\n")
    out.write(f"{icon} **{result.outcome}** (exit {code}): {_cell(meaning)}\n\n")
    out.write(f"- database: `{result.url}` ({result.dialect}), version table `{result.version_table}`\n")
    revisions = ", ".join(f"`{r}`" for r in result.db_revisions) or "(none)"
    out.write(f"- database at: {revisions if result.table_exists else 'never migrated (no version table)'}\n")
    out.write(f"- code heads: {', '.join(f'`{h}`' for h in result.code_heads) or '(none)'}\n")
    for b in result.branches:
        if b.status == "unknown":
            out.write(f"- ⚠️ `{b.db_revision}` is unknown to this code (newer code deployed, or its file deleted)")
            out.write(f"; git: {_cell(b.history[0])}\n" if b.history else "\n")
    if result.pending:
        out.write(f"\n### Pending revisions ({len(result.pending)}, in upgrade order)\n\n| Revision | Message | File |\n|---|---|---|\n")
        for rid in result.pending:
            rev = g[rid]
            out.write(f"| `{rid}` | {_cell(rev.message)} | `{rev.location.path if rev.location else ''}` |\n")
    if result.findings:
        out.write("\n### Findings in the pending revisions\n\n| Severity | Rule | Where | Message |\n|---|---|---|---|\n")
        for f in result.findings:
            out.write(f"| {f.severity.label} | `{f.code}` | `{f.location}` | {_cell(f.message)} |\n")
    if result.sizing is not None and result.sizing.revisions:
        out.write("\n### Production sizes of the tables the pending revisions lock\n\n"
                  "| Revision | Table | Rows | Size | Lock | Blocks | Work | Duration |\n"
                  "|---|---|---|---|---|---|---|---|\n")
        for rs in result.sizing.revisions:
            for t in rs.tables:
                rows = f"{t.size.rows:,}" if t.size is not None and t.size.rows is not None else "?"
                size = f"{t.size.total_bytes / 1e6:.1f} MB" if t.size is not None and t.size.found else "?"
                out.write(f"| `{rs.revision}` | `{t.use.table}` | {rows} | {size} | {t.use.mode} ({t.use.source}) | "
                          f"{_cell(blocks_text(t.use.mode))} | {t.use.work} | {t.duration} |\n")
        for v in result.sizing.violations:
            out.write(f"\n❌ policy `--block-write-lock-over {result.sizing.limit.text}`: {_cell(v['message'])}\n")
    if result.sql:
        out.write("\n<details><summary>SQL the pending revisions would run</summary>\n\n```sql\n" + result.sql.rstrip() + "\n```\n\n</details>\n")
