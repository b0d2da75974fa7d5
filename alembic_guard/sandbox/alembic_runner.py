"""Run the project's own env.py, the way `alembic upgrade` does, against a sandbox database.

This is the ONLY module that uses Alembic's private API (`ScriptDirectory._upgrade_revs`,
`MigrationStep.upgrade_from_script/downgrade_from_script`). It EXECUTES the analysed project's
env.py and revision files.

Speed: the `Config` and `ScriptDirectory` are built once (re-importing every revision file per
step is what makes `alembic.command` slow); `EnvironmentContext` is driven directly, like
pytest-alembic's executor. Better still, one env.py run can carry many steps: the work function
passed to `MigrationContext.run_migrations` may be a *generator*, which Alembic consumes lazily,
so the caller gets control back between steps (to snapshot the schema, seed rows...) without
re-running env.py.

The sandbox is injected three ways, because env.py files pick it up differently:
`config.attributes["connection"]` (the cookbook pattern), the `sqlalchemy.url` main option, and
the environment variables named in `settings.env_vars` (e.g. `DATABASE_URL`), set only while
env.py runs. Async env.py files get an async driver in the URL (asyncpg, aiosqlite...).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from alembic_guard.core import reading
from alembic_guard.errors import GuardError
from alembic_guard.sandbox.connection_guard import ConnectionGuard, ConnectionRefusedBySandbox
from alembic_guard.sandbox.env_style import is_async_env, missing_module_hint, search_roots, sync_driver_of

if TYPE_CHECKING:  # Alembic is imported where it is used: the round trip creates its sandbox
    # database in a thread meanwhile (see roundtrip.run_roundtrip), so the import is hidden
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext, MigrationStep
    from alembic.script import ScriptDirectory

class RevisionsUnloadable(GuardError):
    """Alembic itself cannot load the project (a cycle, a missing parent, no env.py...): the
    static rules report why; the round trip cannot run and is skipped with this message.
    `import_hint`: the hint says which prepend_sys_path makes a project module importable."""

    import_hint: bool = False


WorkFn = Callable[[tuple, "MigrationContext"], Iterable]

_ASYNC_DRIVERS = {
    "postgresql": ("asyncpg", "psycopg"),
    "sqlite": ("aiosqlite",),
    "mysql": ("aiomysql", "asyncmy"),
    "mariadb": ("aiomysql", "asyncmy"),
}


@dataclass
class AlembicEnv:
    """One Alembic environment: Config and ScriptDirectory loaded once, env.py run on demand."""

    config: Config
    script: ScriptDirectory
    root: Path
    env_vars: tuple[str, ...] = ("DATABASE_URL",)
    is_async: bool = False
    extra_paths: tuple[str, ...] = ()  # alembic.ini's prepend_sys_path, as Alembic applies it
    configured_url: str | None = None  # sqlalchemy.url as the project configures it (before ours)
    layout: object = None  # the project's AlembicLayout (for hints)
    checked: Path | None = None  # the folder alembic-guard was asked to check
    output: io.StringIO = field(default_factory=io.StringIO)  # what env.py / migrations printed
    real_stderr: object = None  # sys.stderr outside env.py (for progress output during a run)

    @classmethod
    def load(cls, project) -> "AlembicEnv":
        _import_alembic()
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        layout = project.layout
        out = io.StringIO()
        if layout.ini_path is not None:
            config = Config(str(layout.ini_path), ini_section=layout.section, stdout=out)
            # Flask-Migrate sets it in code; `-c FILE --script-location DIR` replaces it
            if not config.get_main_option("script_location") or layout.source.endswith("--script-location"):
                config.set_main_option("script_location", str(layout.script_location).replace("%", "%%"))
        else:
            config = Config(stdout=out)
            config.set_main_option("script_location", str(layout.script_location))
            if len(layout.version_locations) > 1 or layout.version_locations[0] != layout.script_location / "versions":
                config.set_main_option("version_path_separator", "newline")
                config.set_main_option("version_locations", "\n".join(str(v) for v in layout.version_locations))
            if layout.recursive:
                config.set_main_option("recursive_version_locations", "true")
        try:
            env_source = reading.read_text(layout.env_py)  # a FIFO or device never blocks the round trip
        except OSError as exc:
            why = exc.reason if isinstance(exc, reading.UnreadableFile) else exc.strerror
            raise RevisionsUnloadable(f"cannot read {project.relpath(layout.env_py)}: {why}", hint="the round trip runs env.py; restore it") from None
        root = layout.ini_path.parent if layout.ini_path is not None else layout.root
        with _project_import_scope(root), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Revision X is present more than once": AG1xx says it
            before = len(sys.path)
            try:
                script = ScriptDirectory.from_config(config)
                extra_paths = tuple(sys.path[: len(sys.path) - before])  # prepend_sys_path
                script.revision_map.heads  # noqa: B018 - loads every revision file now, once
            except Exception as exc:  # noqa: BLE001 - user code: report, never a traceback
                hint = _import_hint(exc, layout, root, tuple(sys.path[: len(sys.path) - before]), _checked(project))
                problem = RevisionsUnloadable(
                    f"Alembic cannot load the revision files: {type(exc).__name__}: {exc}",
                    hint=hint or "run `alembic heads` to see the same error; the static checks (without --db) explain graph problems",
                )
                problem.import_hint = hint is not None
                raise problem from None
        return cls(
            config=config,
            script=script,
            root=root,
            env_vars=tuple(project.settings.env_vars),
            is_async=is_async_env(env_source),
            extra_paths=extra_paths,
            configured_url=config.get_main_option("sqlalchemy.url"),
            layout=layout,
            checked=_checked(project),
        )

    def failure_hint(self, exc: BaseException, url: str | None = None) -> str | None:
        """What to do when env.py fails before any migration: the prepend_sys_path that makes a
        project module importable, or the async driver the sandbox lacks for an async env.py."""
        if self.is_async and url and "requires an async driver" in str(exc):
            backend = sa.engine.make_url(url).get_backend_name()
            drivers = " or ".join(_ASYNC_DRIVERS.get(backend, ())) or "an async driver"
            return (f"env.py is async and no async {backend} driver is installed where alembic-guard runs, "
                    f"so the sandbox could not give it one: pip install {drivers}")
        return _import_hint(exc, self.layout, self.root, self.extra_paths, self.checked) if self.layout is not None else None

    @property
    def env_py(self) -> str:
        return os.path.join(self.script.dir, "env.py")

    # ------------------------------------------------------------------ URLs
    def url_for_env(self, url: str) -> str:
        """The sandbox URL with a driver env.py can use (an async one for an async env.py)."""
        if not self.is_async:
            return url
        parsed = sa.engine.make_url(url)
        backend = parsed.get_backend_name()
        if "+" in parsed.drivername and sync_driver_of(url) is None:
            return url  # the sandbox's own driver is async-capable (postgresql+psycopg...)
        for driver in _ASYNC_DRIVERS.get(backend, ()):
            if importlib.util.find_spec(driver) is not None:
                return parsed.set(drivername=f"{backend}+{driver}").render_as_string(hide_password=False)
        return url

    # ------------------------------------------------------------------ steps
    def up(self, revision: str) -> MigrationStep:
        """The single upgrade step of `revision` (its parents must be applied)."""
        from alembic.runtime.migration import MigrationStep

        return MigrationStep.upgrade_from_script(self.script.revision_map, self.script.get_revision(revision))

    def down(self, revision: str) -> MigrationStep:
        """The single downgrade step of `revision` (it must be a current head)."""
        from alembic.runtime.migration import MigrationStep

        return MigrationStep.downgrade_from_script(self.script.revision_map, self.script.get_revision(revision))

    def steps_to(self, targets: Iterable[str], heads: tuple[str, ...]) -> Iterator[MigrationStep]:
        """Upgrade steps from `heads` straight to every revision in `targets` (Alembic's own path)."""
        current = tuple(heads)
        for target in targets:
            for step in self.script._upgrade_revs(target, current):
                yield step
            current = _merge_heads(self.script, current, target)

    # ------------------------------------------------------------------ env.py
    def revision_path(self, revision: str) -> str | None:
        """The file Alembic loaded `revision` from."""
        script = self.script.get_revision(revision)
        return getattr(script, "path", None)

    def run(self, url: str, fn: WorkFn, connection: sa.engine.Connection | None = None, guard=None,
            lazy_versions: bool = True) -> None:
        """Run env.py once; Alembic calls `fn(heads, migration_context)` for the steps to run.

        Exceptions from env.py or the migrations propagate unchanged, except a connection the
        `guard` (a connection_guard.ConnectionGuard; default: one allowing `url` only) refused:
        that raises its ForeignConnection (exit 2), whatever env.py did with the refusal.
        Alembic's version table is written lazily meanwhile (`_LazyVersionTable`), unless
        `lazy_versions` is False (the trace pass commits after every revision: the table must
        be right at each commit)."""
        from alembic.runtime.environment import EnvironmentContext


        if guard is None:
            guard = ConnectionGuard(self.env_vars, self.root, env_py=self.env_py)
            guard.allow(url)

        lazy = _LazyVersionTable() if lazy_versions else _EagerVersionTable()

        def work(heads, mctx):
            yield from fn(heads, mctx)
            lazy.flush()  # still inside env.py's transaction and connection

        env_url = self.url_for_env(url)
        cfg = self.config
        cfg.set_main_option("sqlalchemy.url", env_url.replace("%", "%%"))
        cfg.attributes.pop("connection", None)
        if connection is not None:
            cfg.attributes["connection"] = connection
            if "connect" not in vars(connection):
                _usable_as_engine(connection)
        saved_env = {k: os.environ.get(k) for k in self.env_vars}
        self.real_stderr = sys.stderr
        try:
            for key in self.env_vars:
                os.environ[key] = env_url
            # env.py's fileConfig() points Alembic's INFO log at sys.stderr, and migrations may
            # print: keep that out of our report (like `alembic -q`), but keep it for errors
            with contextlib.redirect_stderr(self.output), contextlib.redirect_stdout(self.output), \
                    _project_import_scope(self.root, self.extra_paths), lazy, guard, \
                    EnvironmentContext(cfg, self.script, fn=work, as_sql=False):
                self.script.run_env()
        except (Exception, ConnectionRefusedBySandbox):
            if guard.violation is not None:
                raise guard.violation from None
            raise
        finally:
            cfg.attributes.pop("connection", None)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        if guard.violation is not None:  # refused, and env.py swallowed the error
            raise guard.violation


def _usable_as_engine(connection: sa.engine.Connection) -> None:
    """Make the sandbox connection usable the ways env.py files use `config.attributes["connection"]`.

    env.py files written for pytest-alembic expect an Engine there and call `.connect()` (and
    sometimes `.dispose()`); async ones (`alembic init -t async` adapted to take a connection)
    do `async with connectable.connect() as connection: await connection.run_sync(fn)` and
    `await connectable.dispose()`. All of them get the same sync connection back: never closed
    on exit (the walk owns it), `run_sync(fn)` calls `fn(connection)` as AsyncConnection does
    (a `run_sync` under asyncio calls fn with the sync connection too), and `dispose()` does
    nothing, awaited or not. `contextlib.nullcontext` serves `with` and `async with` alike."""

    async def run_sync(fn, *args, **kwargs):
        return fn(connection, *args, **kwargs)

    connection.connect = lambda: contextlib.nullcontext(connection)
    connection.run_sync = run_sync
    connection.dispose = lambda *a, **k: _Done()
    connection.sync_connection = connection


class _Done:
    """An awaitable that is already done: `dispose()` may be awaited or just called."""

    def __await__(self):
        return iter(())


class _EagerVersionTable(contextlib.nullcontext):
    """Alembic's own version table writes, after every step."""

    def flush(self) -> None:
        pass


def commit_between_steps(mctx) -> None:
    """Commit what the steps so far did and begin a new transaction, between two steps of an
    env.py run whose transaction Alembic owns (what `autocommit_block` itself does). A step run
    with `transaction_per_migration` has committed already; an external transaction (the caller
    began one on the connection it gave env.py) is the caller's to commit."""
    from alembic.util import sqla_compat

    tx = mctx._transaction  # noqa: SLF001 - Alembic's env.py-level transaction
    if tx is None or not tx.is_active:
        return
    tx.commit()
    mctx._transaction = sqla_compat._safe_begin_connection_transaction(mctx.connection)  # noqa: SLF001


class _LazyVersionTable:
    """While env.py runs: Alembic's version table written when something may look at it, not
    after every step.

    Alembic UPDATEs its version table after each migration step: a SQL compilation and a round
    trip each, about a sixth of the walk's time, for a table nobody reads during it. Here
    the heads Alembic keeps in memory (its HeadMaintainer, which still checks every step) are
    written (DELETE, then one INSERT per head) at the end of the run, and before any statement
    that names the version table runs (a migration reading it sees it up to date); after such a
    statement Alembic writes every step itself again, with its own row-count checks. A failed
    run leaves the table behind its migrations, but the walk never reads a failed run's table:
    it rolls back (transaction mode) or rebuilds the database (fresh mode)."""

    _METHODS = ("_insert_version", "_delete_version", "_update_version")

    def __init__(self) -> None:
        self.pending = None  # the HeadMaintainer whose heads are not written yet
        self.immediate = False
        self.flushing = False
        self.connections: list = []
        self.originals: dict = {}

    def __enter__(self) -> "_LazyVersionTable":
        from alembic.runtime.migration import HeadMaintainer

        self.originals = {name: getattr(HeadMaintainer, name) for name in self._METHODS}
        lazy = self

        def insert_version(hm, version):
            if not lazy._defer(hm):
                return lazy.originals["_insert_version"](hm, version)
            assert version not in hm.heads
            hm.heads.add(version)

        def delete_version(hm, version):
            if not lazy._defer(hm):
                return lazy.originals["_delete_version"](hm, version)
            hm.heads.remove(version)

        def update_version(hm, from_, to_):
            if not lazy._defer(hm):
                return lazy.originals["_update_version"](hm, from_, to_)
            assert to_ not in hm.heads
            hm.heads.remove(from_)
            hm.heads.add(to_)

        HeadMaintainer._insert_version = insert_version
        HeadMaintainer._delete_version = delete_version
        HeadMaintainer._update_version = update_version
        return self

    def __exit__(self, *exc) -> None:
        from alembic.runtime.migration import HeadMaintainer

        for name, method in self.originals.items():
            setattr(HeadMaintainer, name, method)
        for conn in self.connections:
            with contextlib.suppress(Exception):
                sa.event.remove(conn, "before_cursor_execute", self._before_statement)

    def _defer(self, hm) -> bool:
        ctx = hm.context
        if self.immediate or ctx.as_sql or ctx.connection is None:
            return False
        if self.pending is not None and self.pending is not hm:
            self.flush()
        if self.pending is None:
            self.pending = hm
            if ctx.connection not in self.connections:
                sa.event.listen(ctx.connection, "before_cursor_execute", self._before_statement)
                self.connections.append(ctx.connection)
        return True

    def _before_statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.pending is None or self.flushing:
            return
        if self.pending.context.version_table.lower() in statement.lower():
            self.flush()
            self.immediate = True

    def flush(self) -> None:
        """Write the heads Alembic holds in memory, if it has not."""
        hm, self.pending = self.pending, None
        if hm is None:
            return
        from sqlalchemy import literal_column

        ctx = hm.context
        self.flushing = True
        try:
            ctx.impl._exec(ctx._version.delete())  # noqa: SLF001 - what HeadMaintainer itself does
            for head in sorted(hm.heads):
                ctx.impl._exec(ctx._version.insert().values(version_num=literal_column(f"'{head}'")))  # noqa: SLF001
        finally:
            self.flushing = False


def _checked(project) -> Path | None:
    given = getattr(getattr(project, "settings", None), "root", None)
    if given is None:
        return None
    given = Path(given).absolute()
    return given.parent if given.is_file() else given


def _import_hint(exc: BaseException, layout, cwd: Path, prepend: tuple[str, ...], given: Path | None = None) -> str | None:
    return missing_module_hint(exc, cwd=cwd, search_roots=search_roots(layout.root, given), ini_path=layout.ini_path or layout.pyproject_path,
                               prepend=tuple(p for p in prepend if isinstance(p, str)), section=layout.section)


def _import_alembic() -> None:
    """Import Alembic without Pygments: Alembic imports Mako, whose error module loads Pygments
    (when installed) to colour HTML tracebacks: 50-100 ms that nothing here uses.
    Mako falls back to plain HTML escaping when the import fails; made to fail for that one
    import only."""
    if "alembic" in sys.modules or "mako.exceptions" in sys.modules:
        return
    blocked = "mako.ext.pygmentplugin"
    had = blocked in sys.modules
    sys.modules.setdefault(blocked, None)  # type: ignore[arg-type] - None: "import refused"
    try:
        import alembic  # noqa: F401
    finally:
        if not had:
            sys.modules.pop(blocked, None)


def _merge_heads(script: ScriptDirectory, current: tuple[str, ...], target: str) -> tuple[str, ...]:
    """Heads after upgrading `current` to `target`: drop the ancestors of `target`."""
    rmap = script.revision_map
    ancestors = {r.revision for r in rmap._get_ancestor_nodes([rmap.get_revision(target)])}  # noqa: SLF001
    return tuple([h for h in current if h not in ancestors] + [target])


def _forget_relative_finders() -> None:
    """Drop the import finders Python cached for relative sys.path entries ("", ".", "src"):
    they keep the folder that was current when they were made (Alembic itself puts
    prepend_sys_path on sys.path as written, relative to the working directory)."""
    for key in [k for k in sys.path_importer_cache if isinstance(k, str) and not os.path.isabs(k)]:
        sys.path_importer_cache.pop(key, None)


@contextlib.contextmanager
def _project_import_scope(root: Path, extra_paths: tuple[str, ...] = ()) -> Iterator[None]:
    """Run user code as `alembic` would from the project folder, then undo the global side effects
    that would leak into the next project analysed in this process: cwd, sys.path, modules
    imported from the project (models.py...), and the logging setup env.py's fileConfig replaces."""
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    old_modules = set(sys.modules)
    root_logger = logging.getLogger()
    old_handlers, old_level = list(root_logger.handlers), root_logger.level
    old_disabled = {name: lg.disabled for name, lg in logging.Logger.manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    resolved = str(root.resolve())
    try:
        os.chdir(root)
        # prepend_sys_path resolves from the working directory, as in Alembic; made absolute here
        # so that a finder Python cached for "." in another project's folder is never reused
        sys.path[:0] = [p if os.path.isabs(p) else os.path.abspath(p) for p in extra_paths]
        _forget_relative_finders()
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        _forget_relative_finders()
        for name in set(sys.modules) - old_modules:
            file = getattr(sys.modules.get(name), "__file__", None) or ""
            if file.startswith(resolved):
                sys.modules.pop(name, None)
        root_logger.handlers[:] = old_handlers
        root_logger.setLevel(old_level)
        for name, lg in logging.Logger.manager.loggerDict.items():
            if isinstance(lg, logging.Logger):
                lg.disabled = old_disabled.get(name, False)

