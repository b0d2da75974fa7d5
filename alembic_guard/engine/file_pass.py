"""The file pass: every revision file visited once by every per-file stage (each parsed once, its
tree released before the next), split across forked workers for large histories, and skipped for
files whose text and context a cached run already saw (alembic_guard.core.cache). It owns the
visiting, the workers and the cache key; it must not choose rules or post-process findings (that
is the engine's `run`).
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import sys

from alembic_guard.core import forking
from alembic_guard.core.cache import ProjectCache, build_id
from alembic_guard.engine.context import RunContext
from alembic_guard.errors import GuardError
from alembic_guard.findings import Finding
from alembic_guard.project import Project

# ---------------------------------------------------------------------- the file pass
PARALLEL_AT = 1000  # revision files: below this, forking costs more than it saves


def _workers(project: Project, stages: dict, count: int) -> int:
    """How many processes the file pass uses for `count` files (1 = serial, in this process)."""
    wanted = project.settings.jobs
    if wanted == 1 or count < PARALLEL_AT:
        return 1
    if not all(getattr(stage, "parallel_safe", False) for stage in stages.values()):
        return 1
    if not hasattr(os, "fork"):
        return 1  # no fork (Windows): serial rather than re-importing everything in spawned workers
    threading = sys.modules.get("threading")
    if wanted == 0 and threading is not None and threading.active_count() > 1:
        return 1  # auto: forking a multi-threaded host (an IDE, a server) can deadlock the child
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = cpus if wanted == 0 else wanted
    return max(1, min(n, count // (PARALLEL_AT // 2)))


def _visit_slice(project: Project, ctx: RunContext, stages: dict, groups: dict, migrations, parse: bool) -> list[tuple[int, int, bool]]:
    """Parse each file once, run every stage on it, release its tree. A stage that raises
    (not a rule: rules are isolated by ctx.call) is reported once as AG000 and stops visiting.

    Returns, per file, the span of `ctx.findings` its visit added and whether that outcome may be
    cached (no crash, no skip or fact recorded, the file parses)."""
    broken: set[str] = set()
    spans: list[tuple[int, int, bool]] = []
    for mig in migrations:
        start, skips, facts = len(ctx.findings), len(ctx.skipped), len(ctx.facts)
        if parse and mig.body_analysed:
            mig.tree  # noqa: B018 - parse once; records `syntax_error` (AG003)
        for kind, stage in stages.items():
            if kind in broken:
                continue
            try:
                stage.visit(mig)
            except GuardError:
                raise
            except Exception as exc:  # noqa: BLE001
                broken.add(kind)
                ctx.crash(groups[kind][0], exc, mig.location())
        mig.release()
        end = len(ctx.findings)
        clean = (
            not broken and mig.syntax_error is None and len(ctx.skipped) == skips and len(ctx.facts) == facts
            and not any(f.code == "AG000" for f in ctx.findings[start:end])
        )
        spans.append((start, end, clean))
    return spans


def pass_context(project: Project, stages: dict, groups: dict, parse: bool) -> str | None:
    """The cache key of everything besides a file's text that its per-file findings depend on
    (see alembic_guard.core.cache); None when this run's file pass must not be cached."""
    if project.settings.allow_import:
        return None  # --import: Alembic's loader may have changed headers; AG424 renders offline
    parts: dict = {"parse": parse, "dialect": project.dialect, "settings": _settings_key(project.settings)}
    for kind, stage in stages.items():
        key = getattr(stage, "cache_key", None)
        facts = key() if key is not None else None
        if facts is None:
            return None
        rules = {}
        for rule in groups[kind]:
            extra = rule.extra.get("project_facts")
            rules[rule.code] = extra(project) if extra is not None else None
        parts[kind] = {"stage": facts, "rules": rules}

    parts["build"] = build_id()
    import hashlib

    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


# settings that only act after the file pass (filters, exit code, output) or not on it at all
_AFTER_PASS = frozenset({
    "fail_on", "baseline", "since_revision", "changed_since", "severity", "per_path_ignores", "require_reason",
    "progress", "jobs", "workers", "cache", "cache_dir", "root",
})


def _settings_key(settings) -> dict:
    import dataclasses

    out = {}
    for f in dataclasses.fields(settings):
        if f.name in _AFTER_PASS:
            continue
        value = getattr(settings, f.name)
        out[f.name] = dict(value) if hasattr(value, "items") else value
    return out


def _file_cache(project: Project):
    if not project.settings.cache:
        return None
    cache = project._cache.get("file_cache")
    if cache is None:
        cache = project._cache["file_cache"] = ProjectCache.for_layout(project.layout, project.settings.cache_dir)
    return cache


def run_file_pass(project: Project, ctx: RunContext, stages: dict, groups: dict, parse: bool = False) -> None:
    """Visit every revision file once with every per-file stage (see FILE_STAGES).

    Files whose text and context are unchanged since a cached run are not visited: their findings
    come from the cache (alembic_guard.core.cache). The others: large batches (>= PARALLEL_AT files,
    `jobs` 0 = one per CPU) are split into contiguous slices: this process takes the first, forked
    children the others. A child sends back only findings, skips, facts and each file's parse
    outcome (never trees), and the parent puts them in file order, so the report is identical to
    the serial one. A child that dies or sends garbage has its slice redone here, serially.
    """
    migrations = project.migrations
    cache = _file_cache(project)
    context = pass_context(project, stages, groups, parse) if cache is not None else None
    if context is None:
        cache = None
    # thousands of short-lived trees and small long-lived records: the cyclic GC only costs time
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        per_file: list[list[Finding] | None] = [None] * len(migrations)
        todo: list[int] = []
        for i, mig in enumerate(migrations):
            got = cache.file_result(str(mig.relpath), mig.digest, context) if cache is not None else None
            if got is None:
                todo.append(i)
                continue
            per_file[i], relative, checked = got
            if checked:
                mig._body_checked = True
                mig.syntax_error = None
                mig._relative_import = relative
        outer = ctx.findings
        ctx.findings = []
        try:
            spans = _visit_all(project, ctx, stages, groups, [migrations[i] for i in todo], parse)
        finally:
            fresh, ctx.findings = ctx.findings, outer
        for i, (start, end, clean) in zip(todo, spans):
            per_file[i] = fresh[start:end]
            if cache is not None and clean:
                mig = migrations[i]
                cache.store_file_result(str(mig.relpath), mig.digest, context, per_file[i], mig._relative_import, mig.body_checked)
        for found in per_file:
            ctx.findings.extend(found or ())
        if cache is not None:
            cache.forget_missing({str(m.relpath) for m in migrations})
            cache.save()
    finally:
        if was_enabled:
            gc.enable()


def _visit_all(project: Project, ctx: RunContext, stages: dict, groups: dict, migrations: list, parse: bool) -> list[tuple[int, int, bool]]:
    """`_visit_slice` over `migrations`, split across forked workers when there are many."""
    n = _workers(project, stages, len(migrations))
    if n <= 1:
        return _visit_slice(project, ctx, stages, groups, migrations, parse)
    size = -(-len(migrations) // n)
    slices = [migrations[i:i + size] for i in range(0, len(migrations), size)]
    children = [_fork_slice(project, ctx, stages, groups, part, parse) for part in slices[1:]]
    spans = _visit_slice(project, ctx, stages, groups, slices[0], parse)
    for part, child in zip(slices[1:], children):
        result = _collect(child)
        if result is None:
            spans.extend(_visit_slice(project, ctx, stages, groups, part, parse))
            continue
        findings, skipped, facts, outcomes = result
        offset = len(ctx.findings)
        ctx.findings.extend(findings)
        ctx.skipped.extend(skipped)
        ctx.facts.update(facts)
        for mig, (checked, error, relative, (start, end, clean)) in zip(part, outcomes):
            if checked:
                mig._body_checked = True
                mig.syntax_error = error
                mig._relative_import = relative
            spans.append((start + offset, end + offset, clean))
    return spans


def _fork_slice(project: Project, ctx: RunContext, stages: dict, groups: dict, part, parse: bool):
    """Start a child that visits `part` (see alembic_guard.core.forking)."""
    def work() -> bytes:
        ctx.findings, ctx.skipped, ctx.facts = [], [], {}
        ctx.progress = None  # the parent reports progress for its own slice only
        spans = _visit_slice(project, ctx, stages, groups, part, parse)
        outcomes = [(m.body_checked, m.syntax_error, m._relative_import, span) for m, span in zip(part, spans)]
        return pickle.dumps((ctx.findings, ctx.skipped, ctx.facts, outcomes), protocol=pickle.HIGHEST_PROTOCOL)

    return forking.start(work)


def _collect(child) -> tuple | None:
    data = forking.collect(child)
    if data is None:
        return None
    try:
        return pickle.loads(data)  # written by our own forked child (never read from disk)
    except Exception:  # noqa: BLE001
        return None
