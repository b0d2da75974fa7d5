"""Operation analysis (AG4xx): what each revision does, read statically, and the runner of op rules.

`run_op_rules(rules, project, ctx)` is the engine's runner for rules of kind `op`. Extraction
(`extract.py`) runs once per revision file and is cached on the project (`project.analysis`).
Each OpCall is dispatched only to the rules whose `on` set names it (an empty `on` means every
call), and only for the phases the rule declares (`@op_rule(..., phases={"upgrade"})`, the
default: downgrades are the reverse of changes already reviewed, and their drops are expected).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alembic_guard.ops.calls import UNRESOLVED, ColumnSpec, DefaultSpec, OpCall, TypeSpec
from alembic_guard.ops.extract import MigrationOps, extract

__all__ = [
    "ColumnSpec",
    "DefaultSpec",
    "OpCall",
    "OpContext",
    "TypeSpec",
    "UNRESOLVED",
    "operations",
    "run_op_rules",
    "LOCKING_OPS",
]

# Operations that take a lock on an existing table that blocks reads or writes (see docs/locks.md).
LOCKING_OPS = frozenset({
    "add_column", "drop_column", "alter_column", "create_index", "drop_index", "create_foreign_key",
    "create_unique_constraint", "create_primary_key", "create_check_constraint", "create_exclude_constraint",
    "drop_constraint", "rename_table", "drop_table", "truncate", "alter_table_other", "add_constraint_other",
    "reindex",
})
_TIMEOUT_RE = {
    "lock_timeout": re.compile(r"lock_timeout"),
    "statement_timeout": re.compile(r"statement_timeout"),
}


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """"15" -> (15,), "8.0.32" -> (8, 0, 32); None or garbage -> None."""
    if not text:
        return None
    nums = re.findall(r"\d+", str(text))
    return tuple(int(n) for n in nums[:3]) if nums else None


@dataclass
class ProjectOps:
    by_path: dict = field(default_factory=dict)  # relpath -> MigrationOps
    env_sets: frozenset = frozenset()  # timeouts env.py sets for every revision


def local_modules(project, folders=None) -> frozenset[str]:
    """Top-level module names that belong to the analysed project (not installed libraries)."""
    names: set[str] = set()
    roots = folders if folders is not None else [project.root, project.root / "src"]
    for folder in roots:
        try:
            entries = list(Path(folder).iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith((".", "_")) or entry.name in ("tests", "test", "docs", "build", "dist"):
                continue
            if entry.is_file() and entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and entry.name.isidentifier() and ((entry / "__init__.py").exists() or any(entry.glob("*.py"))):
                names.add(entry.name)
    return frozenset(names)


def operations(project) -> ProjectOps:
    """Computed once per project: the OpCalls of every revision file."""

    def build(project) -> ProjectOps:
        script = Path(project.layout.script_location)
        mig_tops = local_modules(project, [script]) | {script.name}
        tops = local_modules(project) - {script.name}
        dialect = project.dialect
        out = ProjectOps()
        # thousands of small, acyclic, long-lived records: the cyclic GC only costs time here
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for mig in project.migrations:
                try:
                    out.by_path[mig.relpath] = extract(mig, dialect=dialect, local_tops=tops, migration_tops=mig_tops)
                except Exception as exc:  # noqa: BLE001 - a reader bug must not hide a revision
                    out.by_path[mig.relpath] = _reader_failed(mig, exc)
        finally:
            if was_enabled:
                gc.enable()
        try:
            env_text = project.layout.env_py.read_text(encoding="utf-8", errors="replace")
        except (OSError, AttributeError):
            env_text = ""
        out.env_sets = frozenset(k for k, rx in _TIMEOUT_RE.items() if rx.search(env_text))
        return out

    return project.analysis("ops", build)


def _reader_failed(mig, exc: Exception) -> MigrationOps:
    """A revision the reader crashed on: reported as not analysed (AG423), never passed."""
    from alembic_guard.findings import Location

    reason = f"alembic-guard's operation reader failed on it ({type(exc).__name__}: {exc}); please report this"
    call = OpCall("unresolved", {"reason": reason}, location=Location(mig.relpath, 1, 1, revision=mig.revision_id))
    return MigrationOps([call])


class OpContext:
    """What a rule may ask about the revision around an OpCall."""

    def __init__(self, project, migration, ops: MigrationOps, env_sets: frozenset = frozenset()) -> None:
        self.project = project
        self.migration = migration
        self.ops = ops
        self.dialect: str | None = project.dialect if project is not None else None
        self.server_version = parse_version(project.settings.server_version) if project is not None else None
        self.env_sets = env_sets
        self.current: OpCall | None = None
        self._created: dict[tuple[str, str], int] = {}
        for call in ops.calls:
            if call.name == "create_table" and isinstance(call.table, str):
                self._created.setdefault((call.phase, call.table.lower()), call.index)
        self._first_locking: dict[tuple[str, str], OpCall] = {}

    # -- facts
    @property
    def revision(self) -> str | None:
        return self.migration.revision_id

    @property
    def is_postgresql(self) -> bool:
        """PostgreSQL, or a dialect we do not know (the rules then assume the strictest engine)."""
        return self.dialect in (None, "postgresql")

    def version_below(self, *version: int) -> bool:
        """True only when a target server version is configured and is lower than `version`."""
        return self.server_version is not None and self.server_version < version

    def created_earlier(self, table: str | None, call: OpCall | None = None) -> bool:
        """Whether `table` was created earlier in the same revision (same phase): it is new and empty."""
        call = call or self.current
        if not isinstance(table, str):
            return False
        idx = self._created.get((call.phase if call else "upgrade", table.lower()))
        if idx is None:
            return False
        return call is None or idx < call.index

    def phase_calls(self, call: OpCall | None = None) -> list[OpCall]:
        call = call or self.current
        phase = call.phase if call else "upgrade"
        return [c for c in self.ops.calls if c.phase == phase]

    def sets_before(self, setting: str, call: OpCall | None = None) -> bool:
        """Whether `SET [LOCAL] <setting>` runs before `call` in this revision (or env.py sets it)."""
        call = call or self.current
        if setting in self.env_sets:
            return True
        for c in self.phase_calls(call):
            if call is not None and c.index >= call.index:
                break
            if c.name == "set_timeout" and c.params.get("setting") == setting:
                return True
        return False

    def is_locking(self, call: OpCall) -> bool:
        if call.name not in LOCKING_OPS:
            return False
        if call.name in ("create_index", "drop_index", "reindex") and call.concurrently:
            return False
        if call.name == "create_foreign_key" and call.params.get("postgresql_not_valid") is True:
            return True  # still SHARE ROW EXCLUSIVE on both tables, briefly
        return not self.created_earlier(call.table, call)

    def first_locking(self, call: OpCall | None = None) -> OpCall | None:
        call = call or self.current
        phase = call.phase if call else "upgrade"
        for c in self.phase_calls(call):
            if self.is_locking(c):
                return c
        return None


def run_op_rules(rules: Sequence, project, ctx) -> None:
    analysis = operations(project)
    by_name: dict[str, list] = {}
    every: list = []
    for rule in rules:
        if rule.on:
            for name in rule.on:
                by_name.setdefault(name, []).append(rule)
        else:
            every.append(rule)
    phases = {rule: frozenset(rule.extra.get("phases", ("upgrade",))) for rule in rules}
    total = len(project.migrations)
    for number, mig in enumerate(project.migrations, start=1):
        if ctx.progress and number % 250 == 0:
            ctx.progress(f"operations: {number}/{total} revisions")
        mops = analysis.by_path.get(mig.relpath)
        if mops is None or not mops.calls:
            continue
        octx = OpContext(project, mig, mops, analysis.env_sets)
        _dispatch(mops.calls, octx, by_name, every, phases, ctx)
    if any(r.code == "AG424" for r in rules):
        from alembic_guard.ops.offline import run_offline

        run_offline(project, ctx, analysis, by_name, every, phases)


def _dispatch(calls, octx: OpContext, by_name, every, phases, ctx) -> None:
    for call in calls:
        wanted = by_name.get(call.name)
        if not wanted and not every:
            continue
        octx.current = call
        for rule in (wanted or []) + every:
            if call.phase in phases[rule]:
                ctx.call(rule, call, octx, where=call.location)
