"""Offline renderability (opt-in, `--import`): render each revision's SQL in Alembic's offline mode.

This EXECUTES the project's env.py and revision files (in a subprocess, with a timeout), which is
why it only runs with `--import`. For every revision, in upgrade order, the child process does
what `alembic upgrade <down>:<rev> --sql` does, with the ScriptDirectory loaded once:

- a revision that cannot be rendered (it reflects the database, reads data through the
  connection, or raises) becomes an `offline_render_failed` call, reported by AG424;
- the rendered SQL of revisions the static reader could not fully see (AG421/AG423: dynamic SQL,
  helpers from other modules) is parsed with pglast and goes through the same operation rules,
  so their blind spots are checked too. Findings the static pass already made are not repeated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from alembic_guard.findings import Location
from alembic_guard.ops import sql as sqlmod
from alembic_guard.ops import OpContext, _dispatch
from alembic_guard.ops.calls import OpCall
from alembic_guard.ops.record import MigrationOps

CHILD = r'''
import io, json, sys, traceback
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import RevisionStep
from alembic.script import ScriptDirectory

ini, section = sys.argv[1], sys.argv[2]
wanted = json.loads(sys.stdin.read())
cfg = Config(ini, ini_section=section)
script = ScriptDirectory.from_config(cfg)
for rev in wanted:
    buf = io.StringIO()
    cfg.output_buffer = buf
    out = {"revision": rev}
    try:
        revision = script.get_revision(rev)
        down = revision.down_revision
        start = None if not down else (down if isinstance(down, str) else tuple(down))

        def steps(heads, context, revision=revision):
            return [RevisionStep(script.revision_map, revision, True)]

        with EnvironmentContext(cfg, script, fn=steps, as_sql=True, starting_rev=start, destination_rev=rev):
            script.run_env()
        out["sql"] = buf.getvalue()
    except BaseException as exc:  # noqa: BLE001 - every failure is a result
        if isinstance(exc, KeyboardInterrupt):
            raise
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f for f in reversed(frames) if "/versions/" in f.filename.replace("\\", "/")), None)
        where = where or (frames[-1] if frames else None)
        text = f"{type(exc).__name__}: {exc}".strip().splitlines()
        out["error"] = text[0] if text else type(exc).__name__
        if where is not None:
            out["file"], out["line"] = where.filename, where.lineno
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
'''


def render(project, revisions: list[str], timeout: float) -> tuple[dict[str, dict], str | None]:
    """revision -> {"sql": ...} or {"error": ..., "file", "line"}; plus a problem with the run itself."""
    ini = project.layout.ini_path
    if ini is None:
        return {}, "offline rendering needs an alembic.ini (Alembic's command line reads one)"
    env = dict(os.environ)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(ini), project.layout.section],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=str(project.root), env=env,
        )
    except OSError as exc:
        return {}, f"could not start Python for offline rendering: {exc}"
    try:
        stdout, stderr = proc.communicate(json.dumps(revisions), timeout=timeout)
        problem = None
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        problem = f"offline rendering timed out after {timeout:g}s"
    results: dict[str, dict] = {}
    for line in stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        results[item["revision"]] = item
    if problem is None and proc.returncode not in (0, None) and len(results) < len(revisions):
        tail = (stderr or "").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        problem = f"offline rendering stopped: {tail[0]}"
    return results, problem


def rendered_calls(sql: str, mig, base: Location) -> list[OpCall]:
    """The rendered SQL of one revision as OpCalls (alembic_version bookkeeping left out)."""
    try:
        statements = sqlmod.parse(sql)
    except (sqlmod.SqlUnavailable, sqlmod.SqlSyntaxError) as exc:
        return [OpCall("unanalysed_sql", {"reason": f"rendered SQL not analysed: {exc}"}, location=base, origin="rendered")]
    calls: list[OpCall] = []
    in_tx = False
    for st in statements:
        if st.name == "begin":
            in_tx = True
            continue
        if st.name == "commit":
            in_tx = False
            continue
        table = st.params.get("table_name")
        if isinstance(table, str) and table.lower() == "alembic_version":
            continue
        calls.append(OpCall(st.name, dict(st.params), location=base, origin="rendered", sql=st.text,
                            in_transaction=in_tx, autocommit=not in_tx, index=len(calls)))
    return calls


def run_offline(project, ctx, analysis, by_name, every, phases, ag424) -> None:
    """Render every revision offline and run the op rules on the SQL of those the static pass
    could not read; `ag424` (the rule, handed over by the stage) reports what did not render."""

    order = [r for r in project.graph.upgrade_order() if r in project.by_revision]
    started = time.perf_counter()
    results, problem = render(project, order, project.settings.import_timeout)
    ctx.facts["offline_render"] = {
        "revisions": len(order), "rendered": sum(1 for r in results.values() if "sql" in r),
        "failed": sum(1 for r in results.values() if "error" in r), "seconds": round(time.perf_counter() - started, 2),
    }
    static_keys = {(f.code, f.location.revision, f.anchor) for f in ctx.findings}
    failures = [r for r in results.values() if "error" in r]
    if failures and len(failures) == len(order) and len({f["error"] for f in failures}) == 1 and len(order) > 1:
        # every revision fails the same way: env.py itself cannot run offline
        first = failures[0]
        loc = Location(project.relpath(Path(first["file"])) if first.get("file") else project.config_location().path, first.get("line"))
        ctx.emit(ag424.finding(
            f"No revision renders offline: {first['error']}",
            at=loc,
            hint="make env.py's offline branch work (`context.configure(url=..., literal_binds=True)`), then re-run with --import",
            anchor="env-offline",
        ))
        return
    for rev in order:
        mig = project.by_revision[rev]
        upgrade = mig.functions.get("upgrade")
        base = mig.location(upgrade.lineno if upgrade is not None else mig.lines.get("revision"))
        item = results.get(rev)
        if item is None:
            if problem:
                ctx.emit(ag424.finding(f"Revision `{rev}` was not rendered offline: {problem}", at=base,
                                       hint="raise --import-timeout, or look for a revision that hangs", anchor="render-missing"))
                problem = None  # once
            continue
        if "error" in item:
            call = OpCall("offline_render_failed", {"reason": item["error"], "file": item.get("file"), "line": item.get("line")},
                          location=base, origin="rendered")
            octx = OpContext(project, mig, MigrationOps([call]), analysis.env_sets)
            _dispatch([call], octx, by_name, every, phases, ctx)
            continue
        mops = analysis.of(mig)
        blind = mops is not None and any(c.name in ("unresolved", "unanalysed_sql") and c.phase == "upgrade" for c in mops.calls)
        if not blind:
            continue
        calls = [c for c in rendered_calls(item["sql"], mig, base) if c.name != "unanalysed_sql"]
        octx = OpContext(project, mig, MigrationOps(calls), analysis.env_sets)
        before = len(ctx.findings)
        _dispatch(calls, octx, {k: [r for r in v if r.code != "AG424"] for k, v in by_name.items()}, every, phases, ctx)
        fresh = ctx.findings[before:]
        del ctx.findings[before:]
        for f in fresh:
            key = (f.code, f.location.revision, f.anchor)
            if key in static_keys:
                continue
            static_keys.add(key)
            ctx.emit(type(f)(f.code, f.severity, f.message + " (in the SQL rendered offline)", f.location, f.hint,
                             f.related, f.anchor, f"statement: {_statement_of(f, calls)}" if f.details is None else f.details))


def _statement_of(finding, calls) -> str:
    for c in calls:
        if c.sql and finding.anchor and all(part in c.sql for part in finding.anchor.split()[1:2] if part != "?"):
            return c.sql.strip()[:200]
    return "?"
