"""Operation analysis (AG4xx): what each revision does, read statically, and the context op rules ask.

The engine's per-file stage for rules of kind `op` is in `stage.py` (`op_stage`, `run_op_rules`). Extraction (`extract.py`) runs once per revision
file, on demand, through the project's shared `operations(project).of(migration)`.
Each OpCall is dispatched only to the rules whose `on` set names it (an empty `on` means every
call), and only for the phases the rule declares (`@op_rule(..., phases={"upgrade"})`, the
default: downgrades are the reverse of changes already reviewed, and their drops are expected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.findings import Location
from alembic_guard.ops.calls import UNRESOLVED, ColumnSpec, DefaultSpec, OpCall, TypeSpec
from alembic_guard.ops.extract import extract
from alembic_guard.ops.record import MigrationOps

__all__ = [
    "ColumnSpec",
    "DefaultSpec",
    "OpCall",
    "OpContext",
    "TypeSpec",
    "UNRESOLVED",
    "operations",
    "op_stage",
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
    # env.py runs the migrations outside a transaction: AUTOCOMMIT isolation or transactional_ddl=False
    "autocommit": re.compile(r"""isolation_level\s*=\s*["']AUTOCOMMIT|transactional_ddl\s*=\s*False"""),
}


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """"15" -> (15,), "8.0.32" -> (8, 0, 32); None or garbage -> None."""
    if not text:
        return None
    nums = re.findall(r"\d+", str(text))
    return tuple(int(n) for n in nums[:3]) if nums else None


@dataclass
class ProjectOps:
    """The OpCalls of the project's revision files, extracted on demand (`of`) and cached."""

    by_path: dict = field(default_factory=dict)  # relpath -> MigrationOps (those extracted so far)
    env_sets: frozenset = frozenset()  # timeouts env.py sets for every revision
    dialect: str | None = None
    local_tops: frozenset = frozenset()
    migration_tops: frozenset = frozenset()

    def of(self, mig) -> MigrationOps:
        """The operations of one revision file (extracted once; a reader crash is AG423)."""
        mops = self.by_path.get(mig.relpath)
        if mops is None:
            try:
                mops = extract(mig, dialect=self.dialect, local_tops=self.local_tops, migration_tops=self.migration_tops)
            except Exception as exc:  # noqa: BLE001 - a reader bug must not hide a revision
                mops = _reader_failed(mig, exc)
            self.by_path[mig.relpath] = mops
        return mops

    def forget(self, mig) -> None:
        """Drop one file's operations (the file pass keeps memory flat); `of` re-extracts."""
        self.by_path.pop(mig.relpath, None)


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
            try:
                if entry.is_file() and entry.suffix == ".py":
                    names.add(entry.stem)
                elif entry.is_dir() and entry.name.isidentifier() and ((entry / "__init__.py").exists() or any(entry.glob("*.py"))):
                    names.add(entry.name)
            except OSError:
                continue  # a folder this user may not read (a database volume): not a module of ours
    return frozenset(names)


def operations(project) -> ProjectOps:
    """Computed once per project: the (lazily extracted) OpCalls of every revision file."""

    def build(project) -> ProjectOps:
        script = Path(project.layout.script_location)
        try:
            env_text = reading.read_text(project.layout.env_py, errors="replace")
        except (OSError, AttributeError):
            env_text = ""
        return ProjectOps(
            env_sets=frozenset(k for k, rx in _TIMEOUT_RE.items() if rx.search(env_text)),
            dialect=project.dialect,
            local_tops=local_modules(project) - {script.name},
            migration_tops=local_modules(project, [script]) | {script.name},
        )

    return project.analysis("ops", build)


def _reader_failed(mig, exc: Exception) -> MigrationOps:
    """A revision the reader crashed on: reported as not analysed (AG423), never passed."""
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
            elif call.name == "rename_table" and isinstance(call.table, str):
                new = call.params.get("new_table_name")
                if isinstance(new, str) and (call.phase, call.table.lower()) in self._created:
                    # copy-and-swap: `conda_package_tmp` built here, then renamed: still new to running code
                    self._created.setdefault((call.phase, new.lower()), call.index)
        self._first_locking: dict[tuple[str, str], OpCall] = {}
        self._added: dict[tuple[str, str, str], int] = {}  # (phase, table, column) -> index of its add_column
        for call in ops.calls:
            col = call.column if call.name == "add_column" else None
            if col is not None and isinstance(call.table, str) and isinstance(col.name, str):
                self._added.setdefault((call.phase, call.table.lower(), col.name.lower()), call.index)

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

    def added_earlier(self, table: str | None, column: str | None, call: OpCall | None = None) -> bool:
        """Whether `table.column` was added earlier in the same revision (same phase): no code uses it yet."""
        call = call or self.current
        if not isinstance(table, str) or not isinstance(column, str):
            return False
        idx = self._added.get((call.phase if call else "upgrade", table.lower(), column.lower()))
        return idx is not None and (call is None or idx < call.index)

    def type_before(self, call: OpCall | None = None):
        """The column's type before an upgrade's `alter_column(type_=...)`: its `existing_type`, else
        the type the revision's downgrade changes it back to (`alter_column(..., type_=old)`)."""
        call = call or self.current
        if call is None:
            return None
        old = call.params.get("existing_type")
        if old is not None or call.phase != "upgrade":
            return old
        table, column = call.table, call.column_name
        if not isinstance(table, str) or not isinstance(column, str):
            return None
        for c in self.ops.calls:
            if (c.phase == "downgrade" and c.name == "alter_column" and c.has("type_")
                    and isinstance(c.table, str) and c.table.lower() == table.lower()
                    and isinstance(c.column_name, str) and c.column_name.lower() == column.lower()):
                return c.params.get("type_")
        return None

    def validated_in_same_transaction(self, call: OpCall | None = None) -> OpCall | None:
        """The `VALIDATE CONSTRAINT` of this NOT VALID constraint when it runs later in the same
        transaction: the lock the ADD took is still held while the validation scans the table."""
        call = call or self.current
        name = call.name_arg if call else None
        if call is None or not isinstance(name, str) or not call.in_transaction:
            return None
        for c in self.phase_calls(call):
            if c.index <= call.index:
                continue
            if c.name == "commit" or not c.in_transaction:
                return None
            if c.name == "validate_constraint" and c.name_arg == name:
                return c
        return None

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


def _dispatch(calls, octx: OpContext, by_name, every, phases, ctx) -> None:
    for call in calls:
        wanted = by_name.get(call.name)
        if not wanted and not every:
            continue
        octx.current = call
        for rule in (wanted or []) + every:
            if call.phase in phases[rule]:
                ctx.call(rule, call, octx, where=call.location)
