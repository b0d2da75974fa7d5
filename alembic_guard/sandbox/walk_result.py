"""What a round trip returns, as values: one StepResult per step run, drift at head, and the
RoundTripResult the AG3xx rules, the reports (`facts()`) and the forked child's pickle share.

This module owns those values and their JSON form. It must not run anything: the walk that
fills them is `sandbox.roundtrip`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alembic_guard.trace.model import Trace

UPGRADE, DOWNGRADE, REUPGRADE, ENV = "upgrade", "downgrade", "reupgrade", "env"
NO_TARGET_METADATA = "env.py passes no target_metadata to context.configure()"  # a choice, not a failure


@dataclass(frozen=True)
class StepResult:
    revision: str
    phase: str  # upgrade | downgrade | reupgrade | env
    ok: bool
    seconds: float = 0.0
    error: str | None = None  # masked database / Python error
    statement: str | None = None  # the SQL that failed, when the database rejected one
    line: int | None = None  # line in the revision file (or env.py) where it failed
    timeout: bool = False
    with_data: bool = False
    diff: str | None = None  # downgrade: schema after it vs before the upgrade ("" = no trace)
    hint: str | None = None  # what to do, when the failure says more than "fix it" (env.py imports)

    def to_dict(self) -> dict:
        out = {"revision": self.revision, "phase": self.phase, "ok": self.ok, "seconds": round(self.seconds, 4)}
        if self.with_data:
            out["with_data"] = True
        if not self.ok:
            out.update(error=self.error, statement=self.statement, timeout=self.timeout)
        if self.diff:
            out["diff"] = self.diff
        if self.hint:
            out["hint"] = self.hint
        return out


@dataclass(frozen=True)
class DriftItem:
    """One difference between the migrated schema at head and the models (target_metadata)."""

    kind: str  # Alembic's autogenerate op: add_table, remove_column, modify_type...
    table: str
    message: str
    model: str | None = None  # the mapped class, when one maps the table
    model_file: Path | None = None
    model_line: int | None = None


@dataclass
class RoundTripResult:
    dialect: str
    sandbox_kind: str
    mode: str = "transaction"
    steps: list[StepResult] = field(default_factory=list)
    walked: tuple[str, ...] = ()  # the revisions this run round-tripped (its shard)
    irreversible: dict[str, str] = field(default_factory=dict)  # revision -> "static" | "runtime"
    untested: dict[str, str] = field(default_factory=dict)  # revision -> why not
    warnings: list[str] = field(default_factory=list)
    drift: list[DriftItem] | None = None  # None: not computed (see drift_note)
    drift_note: str | None = None
    shard: tuple[int, int] | None = None
    with_data: bool = False
    seconds: float = 0.0
    project: object = field(default=None, repr=False, compare=False)  # for the rules / checks
    seed_notes: dict[str, str] = field(default_factory=dict)  # --with-data: tables left empty, and why
    async_env: bool = False  # env.py runs through asyncio (it was given an async driver)
    sync_driver: str | None = None  # async env.py, but the project's own URL has this sync-only driver (AG308)
    configured_url: str | None = None  # that URL, masked
    by_config: dict[str, str] = field(default_factory=dict)  # revision -> what skip-revisions / minimum-downgrade-revision left out
    died: dict | None = None  # the process running the migrations ended: {revision, phase, how} (AG309)
    trace: Trace | None = None  # the lock trace (PostgreSQL; else a Trace whose note says why not); None: not asked for

    def failed(self, phase: str) -> list[StepResult]:
        return [s for s in self.steps if s.phase == phase and not s.ok]

    def step(self, revision: str, phase: str, *, with_data: bool | None = None) -> StepResult | None:
        for s in self.steps:
            if s.revision == revision and s.phase == phase and (with_data is None or s.with_data == with_data):
                return s
        return None

    def facts(self) -> dict:
        return {
            "dialect": self.dialect,
            "sandbox": self.sandbox_kind,
            "mode": self.mode,
            "shard": list(self.shard) if self.shard else None,
            "with_data": self.with_data,
            "revisions": list(self.walked),
            "seconds": round(self.seconds, 3),
            "steps": [s.to_dict() for s in self.steps],
            "irreversible": dict(self.irreversible),
            "untested": dict(self.untested),
            "warnings": list(self.warnings),
            **({"seed_notes": dict(self.seed_notes)} if self.with_data else {}),
            **({"async_env": True} if self.async_env else {}),
            **({"by_config": dict(self.by_config)} if self.by_config else {}),
            **({"died": dict(self.died)} if self.died else {}),
            **({"trace": self.trace.to_dict()} if self.trace is not None else {}),
        }
