"""Pre-deploy gate: is the database where this code expects it, and what exactly will run?

`evaluate(settings, url)` reads the Alembic version table of a live database **read-only** and
compares it with the revision graph read statically from the code:

- PostgreSQL: the session is opened with `default_transaction_read_only=on` (a connect option) and
  the work happens inside a `READ ONLY` transaction;
- MySQL / MariaDB: `START TRANSACTION READ ONLY`;
- SQLite: the file is opened with `mode=ro`.

Only catalogue lookups and one plain `SELECT version_num FROM <version table>` are issued, and the
transaction is rolled back. The database is never written to, and no code of the project is
imported (the optional `--sql` preview is the exception: it runs Alembic in offline mode in a
subprocess, which executes env.py and the revision files, and says so).

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
from alembic_guard import reading
from alembic_guard.errors import DatabaseUnavailable, GuardError
from alembic_guard.findings import Finding, Report, Severity
from alembic_guard.graph.soundness import unparsable
from alembic_guard.masking import mask_secrets, mask_url
from alembic_guard.project import Project
from alembic_guard.settings import Settings

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


# ---------------------------------------------------------------------- read-only access
_ASYNC_DRIVERS = {
    "postgresql+asyncpg": "postgresql+psycopg2",
    "postgresql+psycopg_async": "postgresql+psycopg",
    "mysql+aiomysql": "mysql+pymysql",
    "mysql+asyncmy": "mysql+pymysql",
    "mariadb+aiomysql": "mariadb+pymysql",
    "mariadb+asyncmy": "mariadb+pymysql",
    "sqlite+aiosqlite": "sqlite",
}


def _sync_url(url: str) -> str:
    for prefix, sync in _ASYNC_DRIVERS.items():
        if url.startswith(prefix + "://"):
            return sync + url[len(prefix):]
    return url


def readonly_engine(url: str):
    """An engine whose connections cannot write (see `readonly_connection`)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(_sync_url(url))
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise GuardError(f"--db-url {mask_url(url)}: not a database URL", hint="use e.g. postgresql://user@host/db") from None
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=_installed_driver(backend))
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["options"] = "-c default_transaction_read_only=on"
        connect_args["connect_timeout"] = 10
    elif backend in ("mysql", "mariadb"):
        connect_args["connect_timeout"] = 10
    elif backend == "sqlite":
        db = parsed.database
        if not db or db == ":memory:":
            raise GuardError("--db-url: an in-memory SQLite database has no version table to read")
        if not Path(db).is_file():
            raise DatabaseUnavailable(f"SQLite database {db}: no such file", url=mask_url(url))
        parsed = parsed.set(database=f"file:{Path(db).resolve()}?mode=ro", query={**parsed.query, "uri": "true"})
    try:
        return sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except NoSuchModuleError:
        raise GuardError(f"--db-url {mask_url(url)}: SQLAlchemy has no dialect {parsed.drivername!r}") from None
    except ImportError as exc:
        extra = " (pip install 'alembic-guard[mysql]')" if backend in ("mysql", "mariadb") else ""
        raise GuardError(f"--db-url {mask_url(url)}: the database driver is not installed: {exc}{extra}") from None


def _installed_driver(backend: str) -> str:
    """A bare `postgresql://` or `mysql://` means SQLAlchemy's default driver; fall back to one that
    is installed (SQLAlchemy 2.1 defaults PostgreSQL to psycopg 3, this package ships psycopg2)."""
    import importlib.util

    choices = {"postgresql": ("psycopg2", "psycopg"), "mysql": ("pymysql", "MySQLdb"), "mariadb": ("pymysql", "MySQLdb")}
    for module in choices.get(backend, ()):
        if importlib.util.find_spec(module) is not None:
            return f"{backend}+{'mysqldb' if module == 'MySQLdb' else module}"
    return backend


class readonly_connection:  # noqa: N801 - used as a context manager, like a function
    """`with readonly_connection(url) as conn:` — a connection inside a READ ONLY transaction that is
    always rolled back. Writing through it fails on the server."""

    def __init__(self, url: str):
        self.url = url
        self.engine = None
        self.conn = None

    def __enter__(self):
        from sqlalchemy.exc import SQLAlchemyError

        self.engine = readonly_engine(self.url)
        backend = self.engine.dialect.name
        try:
            self.conn = self.engine.connect()
            if backend == "postgresql":
                self.conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            elif backend in ("mysql", "mariadb"):
                self.conn.exec_driver_sql("START TRANSACTION READ ONLY")
        except SQLAlchemyError as exc:
            self._close()
            raise DatabaseUnavailable(
                f"cannot connect to {mask_url(self.url)}: {_first_line(exc)}",
                url=mask_url(self.url),
                hint="check the URL, the network and the credentials (the gate only needs SELECT on the version table)",
            ) from None
        return self.conn

    def __exit__(self, *exc_info) -> None:
        self._close()

    def _close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rollback()
                self.conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
        if self.engine is not None:
            self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return mask_secrets(text[0] if text else type(orig).__name__)


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
            raise GuardError(f"cannot look up the version table `{table}`: {_first_line(exc)}") from None
        if not exists:
            return DatabaseState(dialect, False, ())
        version_table = sa.table(table.name, sa.column("version_num"), schema=table.schema)
        try:
            rows = conn.execute(sa.select(version_table.c.version_num)).scalars().all()
        except SQLAlchemyError as exc:
            raise GuardError(
                f"cannot read the version table `{table}`: {_first_line(exc)}",
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
        if self.blocking:
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
) -> GateResult:
    """Compare the database at `url` with the code at `settings.root`. Never writes."""
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


# ---------------------------------------------------------------------- text output
def render_text(result: GateResult, out) -> None:
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
        from alembic_guard.formatters import text  # start-up cost: formatters load only to print

        out.write("findings in the pending revisions:\n")
        rules = result.report.rules if result.report is not None else ()
        text.render(Report(result.project.root, result.findings, rules), out, colour=False)
    for note in result.notes:
        out.write(f"note: {note}\n")
    if result.sql:
        out.write("\n-- SQL the pending revisions would run (Alembic offline mode; env.py was executed):\n")
        out.write(result.sql)
    code, meaning = STATUSES[result.outcome]
    verdict = result.outcome
    if result.outcome == "up-to-date" and result.status != "up-to-date":
        meaning = f"{result.status}, allowed ({'--allow-pending' if result.status == 'behind' else '--allow-empty'}): no pending revision has a finding at or above {result.fail_on.label}"
    out.write(f"gate: {verdict} (exit {code}): {meaning}\n")


def render_markdown(result: GateResult, out) -> None:
    """The gate's verdict for a job summary (`$GITHUB_STEP_SUMMARY`)."""
    from alembic_guard.formatters.summary import _cell  # start-up cost: formatters load only to print

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
    if result.sql:
        out.write("\n<details><summary>SQL the pending revisions would run</summary>\n\n```sql\n" + result.sql.rstrip() + "\n```\n\n</details>\n")
