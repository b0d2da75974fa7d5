"""The engine's per-file stage for rules of kind `op`: extract one revision's operations and
dispatch each call to the rules that asked for it; at the end, AG424's offline render (--import).

It owns the order of that work (one revision at a time, its extraction dropped after its rules
ran unless AG424 needs it again); it must not know any rule by import: the rules arrive as values
from the engine (`engine.FILE_STAGES`, `engine.RUNNERS`).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic_guard.ops import OpContext, _dispatch, operations
from alembic_guard.ops.offline import run_offline


class OpStage:
    """The per-file work of `op` rules: extract one revision's operations, dispatch them.

    The engine runs `visit(mig)` for every revision file in its single file pass (one parsed tree
    alive at a time), then `finish()`. Extracted operations are kept only when `finish()` needs
    them again (AG424, with --import); otherwise each file's are dropped after its rules ran.
    """

    def __init__(self, rules: Sequence, project, ctx) -> None:
        self.rules, self.project, self.ctx = rules, project, ctx
        self.analysis = operations(project)
        self.by_name: dict[str, list] = {}
        self.every: list = []
        for rule in rules:
            if rule.on:
                for name in rule.on:
                    self.by_name.setdefault(name, []).append(rule)
            else:
                self.every.append(rule)
        self.phases = {rule: frozenset(rule.extra.get("phases", ("upgrade",))) for rule in rules}
        self.offline = any(r.code == "AG424" for r in rules)
        self.keep = self.offline  # AG424 reads every revision's operations again at the end
        self.parallel_safe = not self.keep  # a worker's extractions would not reach finish()
        self.total = len(project.migrations)
        self.number = 0

    def visit(self, mig) -> None:
        self.number += 1
        if self.ctx.progress and self.number % 250 == 0:
            self.ctx.progress(f"operations: {self.number}/{self.total} revisions")
        mops = self.analysis.of(mig)
        if mops.calls:
            octx = OpContext(self.project, mig, mops, self.analysis.env_sets)
            _dispatch(mops.calls, octx, self.by_name, self.every, self.phases, self.ctx)
        if not self.keep:
            self.analysis.forget(mig)

    def cache_key(self) -> dict | None:
        """What op rules read besides the file (see engine.pass_context); None with AG424, whose
        offline rendering runs the project's code."""
        if self.keep:
            return None
        a = self.analysis
        return {
            "dialect": a.dialect,
            "server_version": self.project.settings.server_version,
            "env_sets": sorted(a.env_sets),
            "local_tops": sorted(a.local_tops),
            "migration_tops": sorted(a.migration_tops),
        }

    def finish(self) -> None:
        if self.offline:
            ag424 = next(r for r in self.rules if r.code == "AG424")
            run_offline(self.project, self.ctx, self.analysis, self.by_name, self.every, self.phases, ag424)


def op_stage(rules: Sequence, project, ctx) -> OpStage:
    """The engine's per-file stage for rules of kind `op` (see engine.FILE_STAGES)."""
    return OpStage(rules, project, ctx)


def run_op_rules(rules: Sequence, project, ctx) -> None:
    """Run `op` rules over the whole project on their own (the engine uses `op_stage`)."""
    stage = OpStage(rules, project, ctx)
    for mig in project.migrations:
        stage.visit(mig)
    stage.finish()
