"""Pre-deploy gate: is the database where this code expects it, and what exactly will run?

`evaluate(settings, url)` reads the Alembic version table of a live database **read-only**
(connections from `readonly_db`: a READ ONLY transaction, always rolled back) and compares it with
the revision graph read statically from the code. On PostgreSQL it also sizes the tables the
pending revisions lock (`trace.sizing`: `pg_class` and the size functions, nothing else) and
applies the `--block-write-lock-over` policy.

Only catalogue lookups and plain SELECTs (`SELECT version_num FROM <version table>`, the sizes)
are issued. The database is never written to, and no code of the project is imported (the optional
`--sql` preview is the exception: it runs Alembic in offline mode in a subprocess, which executes
env.py and the revision files, and says so). Text and Markdown output live in `gate_output`.

Outcomes (`GateResult.status`) and their exit codes are listed in `STATUSES`.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import alembic_guard
from alembic_guard.core import reading
from alembic_guard.errors import GuardError
from alembic_guard.findings import Finding, Report, Severity
from alembic_guard.graph.soundness import unparsable
from alembic_guard.masking import mask_secrets, mask_url
from alembic_guard.project import Project
from alembic_guard.workflows.readonly_db import first_line, readonly_connection, readonly_engine
from alembic_guard.settings import Settings
from alembic_guard.trace import sizing as sizing_mod
from alembic_guard.trace.model import TraceFileError, load_trace

DEFAULT_VERSION_TABLE = "alembic_version"

# status -> (exit code, meaning). The exit code of a run is decided by `GateResult.exit_code`.
STATUSES: dict[str, tuple[int, str]] = {
    "up-to-date": (0, "the database is at the code's head(s); nothing will run"),
    "blocked": (1, "pending revisions carry findings at or above --fail-on"),
    "behind": (3, "revisions are pending (listed in upgrade order); pass --allow-pending if the pipeline migrates next"),
    "unknown-revision": (4, "the database is at a revision the code does not know (newer code deployed, or a file deleted)"),
    "not-migrated": (5, "the version table does not exist: this database was never migrated (pass --allow-empty for a first deploy)"),
}
EXIT_CODES = {name: code for name, (code, _) in STATUSES.items()}


# ---------------------------------------------------------------------- version table
@dataclass(frozen=True)
class VersionTable:
    name: str = DEFAULT_VERSION_TABLE
    schema: str | None = None
    source: str = "default"  # "default" | "env.py:LINE" | "command line"
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def version_table_from_env(project: Project) -> VersionTable:
    """Read `version_table` / `version_table_schema` from env.py's `context.configure(...)` calls,
    statically. Non-literal values are reported in `notes` (pass the flags instead)."""
    env = project.layout.env_py
    try:
        tree = ast.parse(reading.read_text(env), filename=str(env))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return VersionTable()
    found: dict[str, tuple[str, int]] = {}
    notes: list[str] = []
    rel = project.relpath(env)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "configure"):
            continue
        for kw in node.keywords:
            if kw.arg not in ("version_table", "version_table_schema"):
                continue
            if isinstance(kw.value, ast.Constant) and (isinstance(kw.value.value, str) or kw.value.value is None):
                if kw.value.value is not None:
                    found.setdefault(kw.arg, (kw.value.value, node.lineno))
            else:
                notes.append(
                    f"{rel}:{kw.value.lineno}: `{kw.arg}` is not a literal; pass --{kw.arg.replace('_', '-')} to be sure"
                )
    if not found:
        return VersionTable(notes=tuple(notes))
    line = min(line for _, line in found.values())
    return VersionTable(
        name=found.get("version_table", (DEFAULT_VERSION_TABLE, 0))[0],
        schema=found.get("version_table_schema", (None, 0))[0],
        source=f"{rel}:{line}",
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class DatabaseState:
    dialect: str
    table_exists: bool
    rows: tuple[str, ...]  # version_num values, sorted


def read_state(url: str, table: VersionTable) -> DatabaseState:
    """Read the version table with a plain SELECT inside a read-only transaction."""
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    with readonly_connection(url) as conn:
        dialect = conn.dialect.name
        try:
            exists = sa.inspect(conn).has_table(table.name, schema=table.schema)
        except SQLAlchemyError as exc:
            raise GuardError(f"cannot look up the version table `{table}`: {first_line(exc)}") from None
        if not exists:
            return DatabaseState(dialect, False, ())
        version_table = sa.table(table.name, sa.column("version_num"), schema=table.schema)
        try:
            rows = conn.execute(sa.select(version_table.c.version_num)).scalars().all()
        except SQLAlchemyError as exc:
            raise GuardError(
                f"cannot read the version table `{table}`: {first_line(exc)}",
                hint="the gate needs SELECT on the version table: GRANT SELECT ON it to the gate's role",
            ) from None
    return DatabaseState(dialect, True, tuple(sorted(str(r) for r in rows if r is not None)))


# ---------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class BranchState:
    """One row of the version table (a branched database has several)."""

    db_revision: str
    status: str  # "current" | "behind" | "unknown"
    pending: tuple[str, ...] = ()  # revisions above this row, in upgrade order
    labels: tuple[str, ...] = ()
    history: tuple[str, ...] = ()  # where git knows the unknown revision from

    def to_dict(self) -> dict[str, Any]:
        return {
            "db_revision": self.db_revision,
            "status": self.status,
            "pending": list(self.pending),
            "branch_labels": list(self.labels),
            "git_history": list(self.history),
        }


@dataclass
class GateResult:
    status: str
    url: str  # masked
    dialect: str
    version_table: VersionTable
    table_exists: bool
    db_revisions: tuple[str, ...]
    code_heads: tuple[str, ...]
    branches: tuple[BranchState, ...]
    pending: tuple[str, ...]
    project: Project
    findings: tuple[Finding, ...] = ()
    report: Report | None = None
    fail_on: Severity = Severity.WARNING
    allow_pending: bool = False
    allow_empty: bool = False
    sql: str | None = None
    notes: list[str] = field(default_factory=list)
    sizing: sizing_mod.Sizing | None = None  # PostgreSQL: the pending revisions' locked tables, sized

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity >= self.fail_on)

    @property
    def outcome(self) -> str:
        """The status that decides the exit code (findings in pending revisions block)."""
        if self.status == "unknown-revision":
            return self.status
        if self.status == "not-migrated" and not self.allow_empty:
            return self.status
        if self.blocking or (self.sizing is not None and self.sizing.violations):
            return "blocked"
        if self.status == "behind" and not self.allow_pending:
            return self.status
        return "up-to-date"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def pending_details(self) -> list[dict[str, Any]]:
        g = self.project.graph
        out = []
        for rid in self.pending:
            rev = g[rid]
            out.append({
                "revision": rid,
                "message": rev.message,
                "path": str(rev.location.path) if rev.location else None,
                "down_revisions": list(rev.down_revisions),
                "branch_labels": sorted(g.labels_of(rid)),
            })
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "tool": {"name": "alembic-guard", "version": alembic_guard.__version__},
            "status": self.status,
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "database": {
                "url": self.url,
                "dialect": self.dialect,
                "version_table": str(self.version_table),
                "version_table_source": self.version_table.source,
                "version_table_exists": self.table_exists,
                "revisions": list(self.db_revisions),
            },
            "code": {"heads": list(self.code_heads), "revisions": len(self.project.graph)},
            "branches": [b.to_dict() for b in self.branches],
            "pending": self.pending_details(),
            "findings": [f.to_dict() for f in self.findings],
            "fail_on": self.fail_on.label,
            "allow_pending": self.allow_pending,
            "allow_empty": self.allow_empty,
            "sql": self.sql,
            "notes": list(self.notes),
            "sizing": self.sizing.to_dict() if self.sizing is not None else None,
        }


# Revision files the gate cannot trust the history without: one of them may hold the real head.
UNTRUSTED_KINDS = frozenset({"syntax", "encoding", "unreadable", "incomplete-header", "bad-header", "special-file"})


def _refuse_unreadable_history(project: Project) -> None:
    """Exit 2 when a revision file could not be read: "up to date" would be a guess."""
    bad = [p for p in project.problems if p.kind in UNTRUSTED_KINDS]
    if bad:
        listed = "; ".join(f"{p.location.path}: {p.message}" for p in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise GuardError(
            f"cannot tell whether the database is up to date: {len(bad)} revision file{'s' if len(bad) != 1 else ''} "
            f"could not be read ({listed})",
            hint="fix the file(s) (`alembic-guard check --select AG0` explains each); the head may be in one of them",
        )


def _refuse_overlapping_rows(project: Project, rows: tuple[str, ...]) -> None:
    """Exit 2 when the version table holds a revision and one of its ancestors (or a row twice):
    Alembic itself refuses such a database ("overlaps with other requested revisions")."""
    g = project.graph
    known = [r for r in rows if r in g]
    if len(set(rows)) != len(rows):
        dup = sorted({r for r in rows if rows.count(r) > 1})
        raise GuardError(
            f"the version table holds {', '.join(dup)} more than once: Alembic cannot upgrade this database",
            hint="delete the duplicate row(s) of the version table (after checking which revision the schema is at)",
        )
    for row in known:
        older = sorted(r for r in known if r != row and r in g.ancestors(row))
        if older:
            raise GuardError(
                f"the version table holds overlapping revisions: {row} and its ancestor{'s' if len(older) > 1 else ''} "
                f"{', '.join(older)}; Alembic refuses to run on this database (\"overlaps with other requested revisions\")",
                hint=f"delete the row(s) {', '.join(older)} from the version table, after checking that the schema is at {row}",
            )


def compare(project: Project, state: DatabaseState) -> tuple[str, tuple[BranchState, ...], tuple[str, ...]]:
    """(status, per-row branch states, all pending revisions in upgrade order)."""
    g = project.graph
    order = g.upgrade_order()
    if not state.table_exists:
        return "not-migrated", (), order
    _refuse_overlapping_rows(project, state.rows)
    applied: set[str] = set()
    branches: list[BranchState] = []
    for row in state.rows:
        if row not in g:
            branches.append(BranchState(row, "unknown", history=git_history(project, row)))
            continue
        done = g.ancestors(row) | {row}
        applied |= done
        above = g.descendants(row)
        pending_here = tuple(r for r in order if r in above)
        branches.append(BranchState(row, "behind" if pending_here else "current", pending_here, tuple(sorted(g.labels_of(row)))))
    pending = tuple(r for r in order if r not in applied)
    if any(b.status == "unknown" for b in branches):
        return "unknown-revision", tuple(branches), pending
    # rows that are all current but a whole branch (label) was never applied still leave pending revisions
    return ("behind" if pending else "up-to-date"), tuple(branches), pending


def git_history(project: Project, revision: str, timeout: float = 10.0) -> tuple[str, ...]:
    """Where git has seen `revision` in the migrations folder: commits and the branches holding them.

    Best effort and read-only (`git log -S`); returns () outside a git repository."""
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", revision):
        return ()
    folders = [str(p) for p in project.layout.version_locations]
    try:
        proc = subprocess.run(
            ["git", "log", "--all", "--format=%h %s", "-n", "3", f"-S{revision}", "--", *folders],
            cwd=project.root, capture_output=True, text=True, timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    if proc.returncode != 0:
        return ()
    out = []
    for line in proc.stdout.splitlines():
        commit = line.split(" ", 1)[0]
        try:
            branches = subprocess.run(
                ["git", "branch", "-a", "--contains", commit, "--format=%(refname:short)"],
                cwd=project.root, capture_output=True, text=True, timeout=timeout,
            ).stdout.split()
        except (OSError, subprocess.SubprocessError):
            branches = []
        out.append(f"{line} (on: {', '.join(branches[:5]) or 'no branch'})")
    return tuple(out)


# ---------------------------------------------------------------------- the gate
def evaluate(
    settings: Settings,
    url: str,
    *,
    version_table: str | None = None,
    version_table_schema: str | None = None,
    allow_pending: bool = False,
    allow_empty: bool = False,
    lint: bool = True,
    sql: bool = False,
    sizes: bool = True,
    trace_file: Path | None = None,
    block_write_lock_over: str | None = None,
) -> GateResult:
    """Compare the database at `url` with the code at `settings.root`. Never writes.

    `sizes` (PostgreSQL): size the tables the pending revisions lock; `trace_file`: a JSON report
    whose lock trace replaces the predicted locks of the revisions it holds;
    `block_write_lock_over`: rows or size over which a write-blocking lock blocks the deploy (default:
    the setting of that name)."""
    block_write_lock_over = block_write_lock_over or settings.block_write_lock_over
    limit = sizing_mod.Limit.parse(block_write_lock_over) if block_write_lock_over else None
    try:
        trace = load_trace(trace_file) if trace_file is not None else None
    except TraceFileError as exc:
        raise GuardError(str(exc), hint="pass the JSON report of a round trip on PostgreSQL (the CI artifact)") \
            from None
    # the gate never runs the project's code nor creates anything: whatever the settings say
    # (pyproject may enable round trips for `check`), lint statically only
    settings = dataclasses.replace(settings, db=None, db_url=None, allow_import=False)
    project = Project.load(settings)
    _refuse_unreadable_history(project)
    table = version_table_from_env(project)
    if version_table or version_table_schema:
        table = VersionTable(version_table or table.name, version_table_schema or table.schema, "command line")
    state = read_state(url, table)
    status, branches, pending = compare(project, state)
    broken = unparsable(project, dict.fromkeys([*project.graph.heads, *pending]))
    if broken:
        listed = "; ".join(f"{b['revision']} ({b['path']}:{b['line']}) {b['message']}" for b in broken[:5])
        raise GuardError(
            f"cannot tell whether the database is up to date: {len(broken)} revision{'s' if len(broken) != 1 else ''} "
            f"of the code's head(s) or pending set do{'es' if len(broken) == 1 else ''} not parse: {listed}",
            hint="fix the syntax error(s) first: Alembic cannot load these files, so a deploy would fail",
        )
    result = GateResult(
        status=status,
        url=mask_url(url) or "",
        dialect=state.dialect,
        version_table=table,
        table_exists=state.table_exists,
        db_revisions=state.rows,
        code_heads=project.graph.heads,
        branches=branches,
        pending=pending,
        project=project,
        fail_on=settings.fail_on,
        allow_pending=allow_pending,
        allow_empty=allow_empty,
    )
    result.notes.extend(table.notes)
    if state.table_exists and not state.rows and pending:
        result.notes.append(f"the version table `{table}` is empty: the database is at base, every revision is pending")
    if lint and pending:
        result.report, result.findings = lint_pending(project, pending)
    if (sizes or trace is not None or limit is not None) and pending and state.table_exists:
        result.sizing = size_pending(project, pending, url, state.dialect, trace=trace, limit=limit,
                                     trace_file=trace_file)
    if sql and pending:
        result.sql = offline_sql(project, state, pending, url)
        known = [r for r in state.rows if r in project.graph]
        covered = set().union(*(project.graph.descendants(r) for r in known)) if known else set(pending)
        missing = [r for r in pending if r not in covered]
        if missing:
            result.notes.append(
                "the SQL preview starts from the database's revisions; it does not cover "
                + ", ".join(missing) + " (a branch never applied to this database: Alembic's offline mode needs one start revision)"
            )
    return result


def size_pending(project: Project, pending: tuple[str, ...], url: str, dialect: str, *, trace, limit,
                 trace_file: Path | None) -> sizing_mod.Sizing | None:
    """Production sizes of the tables the pending revisions lock, read on a second read-only
    connection (PostgreSQL only: the sizes come from its catalogue)."""
    from sqlalchemy.exc import SQLAlchemyError

    if dialect != "postgresql":
        if trace is not None or limit is not None:
            raise GuardError("--trace and --block-write-lock-over read PostgreSQL's catalogue; "
                             f"this database is {dialect}")
        return None
    with readonly_connection(url) as conn:
        try:
            return sizing_mod.size_pending(project, pending, conn, trace=trace, limit=limit,
                                           trace_file=str(trace_file) if trace_file is not None else None)
        except SQLAlchemyError as exc:
            raise GuardError(f"cannot read the sizes of the pending revisions' tables: {first_line(exc)}") from None


def lint_pending(project: Project, pending: Iterable[str]) -> tuple[Report, tuple[Finding, ...]]:
    """Run the selected static rules and keep the findings about the pending revisions.

    The gate's URL is never handed to the engine: database rules (round trips) stay off, so the
    production server is never used to create anything."""
    from alembic_guard import engine, rules  # start-up cost: every rule, only when pending revisions are linted

    settings = rules.resolve_codes(project.settings)
    if settings.db or settings.db_url or settings.allow_import:
        settings = dataclasses.replace(settings, db=None, db_url=None, allow_import=False)
    project.settings = settings
    selected = rules.select(settings.select, settings.ignore)
    report = engine.run(project, selected)
    wanted = set(pending)

    def about_pending(f: Finding) -> bool:
        revs = {f.location.revision, *(loc.revision for loc in f.related)}
        return bool(revs & wanted)

    return report, tuple(f for f in report.findings if about_pending(f))


def offline_sql(project: Project, state: DatabaseState, pending: tuple[str, ...], url: str, timeout: float = 300.0) -> str:
    """The SQL `alembic upgrade` would run for the pending revisions, from Alembic's offline mode.

    This EXECUTES env.py and the revision files (in a subprocess), like `alembic upgrade --sql`.
    The variables named in `settings.env_vars` are set to the gate's URL for env.py to read."""
    g = project.graph
    ranges: list[str] = []
    known_rows = [r for r in state.rows if r in g]
    if not known_rows:
        ranges = ["heads"]
    else:
        for row in known_rows:
            for head in g.heads:
                if head in g.descendants(row):
                    ranges.append(f"{row}:{head}")
    layout = project.layout
    base = [sys.executable, "-m", "alembic"]
    if layout.ini_path is not None:
        base += ["-c", str(layout.ini_path), "-n", layout.section]
    env = dict(os.environ)
    for name in project.settings.env_vars:
        env[name] = url
    chunks = []
    for rng in ranges:
        cmd = [*base, "upgrade", rng, "--sql"]
        try:
            proc = subprocess.run(cmd, cwd=project.root, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise GuardError(f"`alembic upgrade {rng} --sql` did not finish within {timeout:.0f} s") from None
        except OSError as exc:
            raise GuardError(f"cannot run Alembic: {exc}") from None
        if proc.returncode != 0:
            tail = "\n".join(mask_secrets(proc.stderr).strip().splitlines()[-8:])
            raise GuardError(
                f"`alembic upgrade {rng} --sql` failed (offline mode runs env.py):\n{tail}",
                hint="make env.py's run_migrations_offline() work with a URL only, or drop --sql",
            )
        chunks.append(f"-- alembic upgrade {rng} --sql\n{mask_secrets(proc.stdout).rstrip()}\n")
    return "\n".join(chunks)
