"""Run the selected rules over a Project and collect a Report.

The engine groups rules by *kind* and hands each group to that kind's runner, which knows how to
produce the kind's input (ops, models analysis, a round trip...). Kinds whose work is per revision
file (`migration`, `op`: FILE_STAGES) share one pass over the files — each parsed once, its tree
released before the next, and for large histories split across forked workers (`run_file_pass`).
Every rule call is isolated: a crashing rule becomes an AG000 finding, never a traceback.
Afterwards the engine applies severity overrides, per-path ignores, inline suppressions (reporting
unused and unknown ones), and the `since_revision` / baseline filters.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import json
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from alembic_guard import suppressions as supp
from alembic_guard.adoption import about_whole_history, filter_changed
from alembic_guard.core import reading
from alembic_guard.engine.context import RunContext
from alembic_guard.engine.file_pass import PARALLEL_AT, run_file_pass  # noqa: F401 - PARALLEL_AT: part of the engine's API
from alembic_guard.errors import GuardError, SettingsError
from alembic_guard.findings import Finding, Location, Report
from alembic_guard.project import Project
from alembic_guard.rules import (
    BY_CODE,
    Rule,
    is_known_prefix,
    normalise_code,
    suggestions,
)
from alembic_guard.rules._registry import Requires
from alembic_guard.trace import marks

# kind -> "module:function"; the function is called as fn(rules, project, ctx)
RUNNERS: dict[str, str] = {
    "project": "alembic_guard.engine:run_project_rules",
    "graph": "alembic_guard.engine:run_graph_rules",
    "migration": "alembic_guard.engine:run_migration_rules",
    "op": "alembic_guard.ops.stage:run_op_rules",
    "models": "alembic_guard.models:run_models_rules",
    "roundtrip": "alembic_guard.sandbox:run_roundtrip_rules",
    "app": "alembic_guard.audit:run_app_rules",
}

# kind -> "module:function" of an optional *per-file stage*, called as fn(rules, project, ctx); it
# returns an object with `visit(migration)` and `finish()`. Every staged kind is run in ONE pass
# over the revision files (each file parsed once, its tree released before the next: at most one
# tree alive), then `finish()` runs in place of the kind's RUNNERS entry. A stage whose
# `parallel_safe` is true may visit in forked worker processes (see `run_file_pass`).
FILE_STAGES: dict[str, str] = {
    "migration": "alembic_guard.engine:migration_stage",
    "op": "alembic_guard.ops.stage:op_stage",
}
PARSES_BODIES = ("AG003",)  # project rules that need every file parsed: the file pass does it

ENGINE_RULES = ("AG000", "AG001", "AG002")  # emitted by the engine itself, not called as rules

# ---------------------------------------------------------------------- built-in runners
def run_project_rules(rules: Sequence[Rule], project: Project, ctx: RunContext) -> None:
    for rule in rules:
        ctx.call(rule, project)


def run_graph_rules(rules: Sequence[Rule], project: Project, ctx: RunContext) -> None:
    graph = project.graph
    for rule in rules:
        ctx.call(rule, graph, project)


class MigrationStage:
    """`migration` rules, one revision file at a time (the engine's file pass)."""

    parallel_safe = True

    def __init__(self, rules: Sequence[Rule], project: Project, ctx: RunContext) -> None:
        self.rules, self.project, self.ctx = rules, project, ctx

    def visit(self, mig) -> None:
        for rule in self.rules:
            self.ctx.call(rule, mig, self.project, where=mig.location())

    def finish(self) -> None:
        pass

    def cache_key(self) -> dict:
        """What migration rules may read of the project besides the file (plus each rule's
        `project_facts`): the ini section (file_template...). See pass_context."""
        return {"options": dict(self.project.layout.options)}


def migration_stage(rules: Sequence[Rule], project: Project, ctx: RunContext) -> MigrationStage:
    return MigrationStage(rules, project, ctx)


def run_migration_rules(rules: Sequence[Rule], project: Project, ctx: RunContext) -> None:
    stage = MigrationStage(rules, project, ctx)
    for mig in project.migrations:
        stage.visit(mig)


def _runner(kind: str, table: dict[str, str] = RUNNERS) -> Callable | None:
    target = table.get(kind)
    if target is None:
        return None
    module, _, func = target.partition(":")
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError):
        return None


# ---------------------------------------------------------------------- the run
def run(project: Project, rules: Sequence[Rule], progress: Callable[[str], None] | None = None) -> Report:
    settings = project.settings
    ctx = RunContext(project, progress=progress)
    runnable: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.code in ENGINE_RULES:
            continue
        if rule.requires is Requires.IMPORT and not settings.allow_import:
            continue  # reported as one Skip below
        if rule.requires is Requires.DATABASE and not (settings.db or settings.db_url):
            continue
        if rule.dialects and project.dialect and project.dialect not in rule.dialects:
            continue
        runnable.setdefault(rule.kind, []).append(rule)

    needs_import = [r.code for r in rules if r.requires is Requires.IMPORT and not settings.allow_import]
    if needs_import:
        ctx.skip(needs_import, "executes project code: pass --import to run")
    needs_db = [r.code for r in rules if r.requires is Requires.DATABASE and not (settings.db or settings.db_url)]
    if needs_db:
        ctx.skip(needs_db, "needs a database: pass --db embedded|sqlite|docker|URL (runs env.py and the migrations)")
    wrong_dialect = [r.code for r in rules if r.dialects and project.dialect and project.dialect not in r.dialects]
    if wrong_dialect:
        ctx.skip(wrong_dialect, f"not applicable to dialect {project.dialect}")

    # per-file kinds first, in one pass over the revision files (kind order kept within a file)
    stages: dict[str, object] = {}
    for kind in ("migration", "op"):
        group = runnable.get(kind)
        factory = _runner(kind, FILE_STAGES) if group else None
        if factory is None:
            continue
        try:
            stages[kind] = factory(group, project, ctx)
        except GuardError:
            raise
        except Exception as exc:  # noqa: BLE001
            ctx.crash(group[0], exc)
            stages[kind] = None
    parse = any(r.code in PARSES_BODIES for group in runnable.values() for r in group)
    if any(stages.values()) or parse:
        live = {kind: stage for kind, stage in stages.items() if stage is not None}
        run_file_pass(project, ctx, live, {kind: runnable[kind] for kind in live}, parse=parse)

    for kind in ("project", "migration", "graph", "models", "op", "app", "roundtrip"):
        group = runnable.get(kind)
        if not group:
            continue
        if kind in stages:
            stage = stages[kind]
            if stage is None:
                continue  # its creation crashed (reported)
            runner = stage.finish
        else:
            kind_runner = _runner(kind)
            if kind_runner is None:
                ctx.skip([r.code for r in group], f"the {kind} analysis is not available in this installation")
                continue
            runner = functools.partial(kind_runner, group, project, ctx)
        try:
            runner()
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, GuardError):
                raise
            for rule in group[:1]:
                ctx.crash(rule, exc)

    findings = _post_process(project, rules, ctx.findings, ctx.facts)
    findings.sort(key=Finding.sort_key)
    return Report(
        root=project.root,
        findings=tuple(findings),
        rules=tuple(r.info(settings.severity.get(r.code)) for r in rules),
        skipped=tuple(ctx.skipped),
        facts=ctx.facts,
    )


def _suppression_sources(project: Project, findings: Sequence[Finding]) -> dict[PurePosixPath, str]:
    """Sources whose suppression comments count: every revision file, the files other analyses
    registered in `project._cache["suppression_sources"]` (keys: project-relative or absolute
    paths), and any other Python file a finding points at (env.py, models, application code)."""
    from pathlib import Path

    sources: dict[PurePosixPath, str] = {m.relpath: m.source for m in project.migrations}
    for key, source in project._cache.get("suppression_sources", {}).items():
        path = Path(str(key))
        rel = project.relpath(path) if path.is_absolute() else PurePosixPath(path.as_posix())
        sources[rel] = source
    for f in findings:
        path = f.location.path
        if path in sources or path.suffix != ".py":
            continue
        sources[path] = ""
        try:
            full = project.root / path
            sources[path] = reading.read_text(full, limit=5 * 1024 * 1024)
        except (OSError, UnicodeDecodeError):
            pass
    return sources


def _post_process(project: Project, rules: Sequence[Rule], findings: list[Finding], facts: dict) -> list[Finding]:
    settings = project.settings
    selected = {r.code for r in rules}

    # severity overrides (exact code or prefix; the longest prefix wins)
    if settings.severity:
        out = []
        for f in findings:
            best = max((p for p in settings.severity if f.code.startswith(p)), key=len, default=None)
            if best is not None:
                f = Finding(f.code, settings.severity[best], f.message, f.location, f.hint, f.related, f.anchor, f.details)
            out.append(f)
        findings = out
    findings = marks.apply(findings, facts, rules)  # what the round trip's lock trace saw (trace.marks)

    # per-path ignores
    if settings.per_path_ignores:
        def ignored(f: Finding) -> bool:
            for pattern, codes in settings.per_path_ignores.items():
                if fnmatch.fnmatch(str(f.location.path), pattern) and any(f.code.startswith(normalise_code(c)) for c in codes):
                    return True
            return False

        findings = [f for f in findings if not ignored(f)]

    # since_revision: keep findings about revisions after the given one (and findings with no
    # revision, and whole-history graph findings)
    if settings.since_revision:
        graph = project.graph
        if settings.since_revision not in graph:
            raise SettingsError(f"--since {settings.since_revision}: no such revision in this project", key="since_revision")
        newer = graph.descendants(settings.since_revision)
        findings = [f for f in findings if f.location.revision is None or f.location.revision in newer or about_whole_history(f.code)]

    # changed_since: keep findings about files changed relative to a git ref (alembic_guard.adoption)
    if settings.changed_since:
        findings = filter_changed(project, findings, settings.changed_since)

    # baseline: hide known fingerprints
    if settings.baseline:
        try:
            data = json.loads(reading.read_text(settings.baseline, limit=reading.MAX_FILE_BYTES * 8))
            known = {f["fingerprint"] for f in data.get("findings", [])}
        except RecursionError:
            raise SettingsError(f"--baseline {settings.baseline}: not a JSON report of alembic-guard (nested too deeply)", key="baseline") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SettingsError(f"--baseline {settings.baseline}: not a JSON report of alembic-guard ({exc})", key="baseline") from None
        before = len(findings)
        findings = [f for f in findings if f.fingerprint not in known]
        facts["baseline_hidden"] = before - len(findings)  # the summary says how many, like Ruff

    # inline suppressions
    by_path: dict[PurePosixPath, list[supp.Suppression]] = {}
    for path, source in _suppression_sources(project, findings).items():
        for s in supp.parse(path, source):
            by_path.setdefault(s.path, []).append(s)
    all_supp = [s for group in by_path.values() for s in group]
    if not all_supp:
        return findings
    kept = []
    for f in findings:
        hit = next((s for s in by_path.get(f.location.path, ()) if s.matches(f)), None)
        if hit is None:
            kept.append(f)
        else:
            hit.used.add(f.code)
    unused_rule, unknown_rule = BY_CODE.get("AG001"), BY_CODE.get("AG002")
    for s in all_supp:
        loc = Location(s.path, s.line, 1)
        unknown = [c for c in s.codes if not is_known_prefix(c)]
        blanket = not s.codes or any(c in ("ALL", "AG") for c in s.codes)
        if unknown_rule is not None and "AG002" in selected and (unknown or blanket):
            what = (
                f"Suppression names unknown rule code {', '.join(f'`{c}`' for c in unknown)}" if unknown
                else "Suppression names no rule code, so it would hide every rule"
            )
            near = [c for u in unknown for c in suggestions(u)[:1]]
            kept.append(unknown_rule.finding(
                what,
                at=loc,
                hint=(f"did you mean {', '.join(f'`{c}`' for c in near)}? " if near else "")
                + "name the codes to ignore, e.g. `# alembic-guard: ignore[AG101] reason`; see `alembic-guard rules`",
                anchor=f"{s.line and ''}{','.join(s.codes) or '*'}",
            ))
            continue
        if settings.require_reason and not s.reason and not s.noqa and unknown_rule is not None and "AG002" in selected:
            kept.append(unknown_rule.finding("Suppression gives no reason", at=loc, hint="write why after the brackets", anchor="no-reason"))
        stale = [
            c for c in s.codes
            if not any(u.startswith(c) for u in s.used) and any(r.code.startswith(c) for r in rules)
        ]
        if stale and unused_rule is not None and "AG001" in selected:
            kept.append(unused_rule.finding(
                f"Unused suppression of {', '.join(stale)}",
                at=loc,
                hint="remove the comment: nothing it names is reported here any more",
                anchor=",".join(stale),
            ))
    return kept
