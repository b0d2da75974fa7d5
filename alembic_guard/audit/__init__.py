"""Static audit of application code (AG5xx): session and pool misuse, read with `ast` only.

Which files: `settings.app_paths` (CLI `--app-path`, files or folders, relative to the project
root) or, by default, every `.py` file under the project root, plus the checked environment's own
revision files (data migrations are code that uses sessions); not env.py, not tests (`tests/`,
`test/`, `test_*.py`, `*_test.py`, `conftest.py`), not other environments' revision files (a
module-level `down_revision` outside this environment's version locations), virtual environments,
hidden folders, `site-packages`, `node_modules` and build output; then `settings.exclude` globs
remove more. The application is never imported.

`run_app_rules(rules, project, ctx)` is the engine's runner for rules of kind `app`; each rule is
called as `rule(module, app)` with an `AppModule` (one file: symbols and flows) and the project's
`AppIndex`. `run_app_rules_on_source(rules, source)` runs rules on one piece of source (tests, docs).
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from alembic_guard.core import reading
from alembic_guard.audit.cache import AppCache
from alembic_guard.audit.collect import build_module, build_modules
from alembic_guard.audit.facts import Flow
from alembic_guard.audit.flow import analyse_module
from alembic_guard.audit.symbols import AppIndex, AppModule
from alembic_guard.audit.versions import sqlalchemy_major
from alembic_guard.models import is_revision_text
from alembic_guard.findings import Finding, Location
from alembic_guard.project.files import app_starts, python_files

# folder names skipped on top of alembic_guard.project.files.SKIP_DIRS (golden outputs of samples)
SKIP_DIRS = frozenset({"expected"})


def iter_app_files(project, skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """The application files to audit, sorted (see the module docstring for the rules): the shared
    project walker, without the migrations' folders."""
    settings = project.settings
    root = project.root
    # the application (its root, from the environment: alembic_guard.project.approot) and the checked
    # environment's own revisions (data migrations are code too: AG540); other environments' trees are not it
    starts = app_starts(settings.app_paths, root) if settings.app_paths else [getattr(project, "app_root", root)]
    own_versions = [Path(v) for v in project.layout.version_locations if Path(v).is_dir()]
    env_py = Path(os.path.abspath(project.layout.env_py))
    files = python_files(
        [*starts, *own_versions],
        root=root,
        skip_dirs=SKIP_DIRS | TEST_DIRS,
        exclude_dirs=tuple(getattr(project.layout, "other_locations", ())),
        exclude_globs=settings.exclude,
        keep_file=_not_test_file,
        skipped=skipped,
    )
    return [f for f in files if f != env_py]


TEST_DIRS = frozenset({"tests", "test"})
# a revision worth auditing uses the ORM or an engine itself (a data migration), not only `op.*`
_REVISION_RELEVANT = re.compile(r"[Ss]ession|sessionmaker|create_engine|\.query\(|IntegrityError|SQLAlchemyError")


def _not_test_file(name: str) -> bool:
    """Tests and fixtures are not the application: a fixture's teardown or a test's shortcut is no bug."""
    return not (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def _foreign_revision(project, path: Path, source: str) -> bool:
    """A revision file of another Alembic environment of the repository (not this one's)."""
    if not is_revision_text(source):
        return False
    apath = Path(os.path.abspath(path))
    return not any(_within(apath, Path(os.path.abspath(v))) for v in project.layout.version_locations)


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def app_sources(project) -> tuple[list[tuple[PurePosixPath, str]], dict[str, str]]:
    """(project-relative path, text) of every file the audit reads, after the filters of the module
    docstring, and the files that could not be read (computed once per project)."""

    def read(project):
        kept, problems = [], {}
        skipped: list[tuple[Path, str]] = []
        files = iter_app_files(project, skipped)
        for folder, why in skipped:  # e.g. a database volume owned by another user
            problems[str(project.relpath(folder))] = f"folder not read ({why}); its files were not audited"
        for path in files:
            try:
                source = reading.read_text(path)
            except (OSError, UnicodeDecodeError) as exc:
                problems[str(project.relpath(path))] = f"unreadable: {exc}"
                continue
            if not _relevant(source) or _foreign_revision(project, path, source):
                continue
            if is_revision_text(source) and not _REVISION_RELEVANT.search(source):
                continue  # an operations-only revision (nearly all of a long history): no session, nothing to audit
            kept.append((project.relpath(path), source))  # relpath resolves symlinks: only for the files kept
        return kept, problems

    return project.analysis("app-sources", read)


def load_app(project) -> tuple[AppIndex, dict[str, str]]:
    """Parse the application once per project (cached in `project.analysis("app", ...)`)."""

    def build(project) -> tuple[AppIndex, dict[str, str]]:
        sources, unreadable = app_sources(project)
        parsed, problems = [], dict(unreadable)
        for rel, source in sources:
            try:
                tree = ast.parse(source, filename=str(rel))
            except (RecursionError, MemoryError):
                problems[str(rel)] = "too deeply nested to parse"
                continue
            except (SyntaxError, ValueError) as exc:
                problems[str(rel)] = f"syntax error line {getattr(exc, 'lineno', '?')}: {getattr(exc, 'msg', exc)}"
                continue
            parsed.append((rel, source, tree))
        app = AppIndex.build(build_modules(parsed), v2_declared=declares_sqlalchemy_2(project.root))
        app.default_dialect = {"mariadb": "mysql"}.get(project.dialect or "", project.dialect)
        app.sqlalchemy_major = sqlalchemy_major(project.root)
        if app.sqlalchemy_major == 2:
            app.uses_v2_style = True
        return app, problems

    return project.analysis("app", build)


_V2_PIN = re.compile(r"(?im)^[\s\"']*sqlalchemy\s*(\[[^\]]*\])?\s*(>=|==|~=|>)\s*2")


def declares_sqlalchemy_2(root: Path) -> bool:
    """The project pins SQLAlchemy 2 in pyproject.toml, setup.cfg or requirements*.txt."""
    candidates = [root / "pyproject.toml", root / "setup.cfg", *sorted(root.glob("requirements*.txt"))]
    for path in candidates:
        try:
            if _V2_PIN.search(reading.read_text(path, limit=reading.MAX_CONFIG_BYTES)):
                return True
        except (OSError, UnicodeDecodeError):
            continue
    return False


_MARKERS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy", "session", "Session", "engine", "query", "Depends",
            "BaseModel", "pydantic", "relationship", "Model")


def _relevant(source: str) -> bool:
    """Cheap text filter: a module that never mentions a session, engine or query has nothing to audit."""
    return any(m in source for m in _MARKERS)


def run_app_rules(rules: Sequence, project, ctx) -> None:
    cache = AppCache(project) if project.settings.cache else None
    if cache is not None:  # audit/cache.py: unchanged application files -> the previous run's results
        sources, _ = app_sources(project)
        key = cache.key(rules, sources, _cache_context(project))
        hit = cache.load(key)
        if hit is not None:
            findings, facts, skips = hit
            project._cache.setdefault("suppression_sources", {}).update(dict(sources))
            ctx.facts["app_audit"] = facts
            for codes, reason in skips:
                ctx.skip(codes, reason)
            ctx.findings.extend(findings)
            return
    first_finding, first_skip = len(ctx.findings), len(ctx.skipped)
    app, problems = load_app(project)
    project._cache.setdefault("suppression_sources", {}).update({m.path: m.source for m in app.modules})
    ctx.facts["app_audit"] = {"modules": len(app.modules), "unparsable": problems}
    for path, why in sorted(problems.items()):
        ctx.skip([r.code for r in rules], f"{path}: {why}")
    before = len(ctx.findings)
    _run(rules, app, ctx.call, ctx.crash)
    if not app.modules and len(ctx.findings) == before:
        # a family that ran on nothing says so (issue 12.6)
        where = project.relpath(getattr(project, "app_root", project.root))
        ctx.skip([r.code for r in rules], f"ran on nothing: no application module using SQLAlchemy under `{where}` "
                 "(pass --app-path to point at the application)")
    found = ctx.findings[first_finding:]
    if cache is not None and not any(f.code == "AG000" for f in found):  # a crash is not a result
        cache.store(key, found, ctx.facts["app_audit"], [(s.codes, s.reason) for s in ctx.skipped[first_skip:]])


def _cache_context(project) -> dict:
    """What the app rules read besides the files: settings (all but output/speed ones; more is only
    a cache miss), the dialect and the SQLAlchemy version the dependency files name."""
    settings = project.settings
    skip = {"progress", "jobs", "workers", "cache", "cache_dir", "output", "also"}
    return {
        "settings": {f.name: repr(getattr(settings, f.name)) for f in dataclasses.fields(settings) if f.name not in skip},
        "dialect": project.dialect,
        "sqlalchemy": sqlalchemy_major(project.root),
        "v2_declared": declares_sqlalchemy_2(project.root),
    }


def _run(rules: Iterable, app: AppIndex, call, crash=None) -> None:
    rules = list(rules)
    for mod in app.modules:
        where = Location(mod.path)
        try:
            analyse_module(mod, app)
        except (Exception, RecursionError) as exc:  # noqa: BLE001 - one odd module must not stop the audit
            if crash is None or not rules:
                raise
            crash(rules[0], exc, where)
            mod.flows = [Flow(mod, None)]  # rules still run, without flow facts for this module
        for rule in rules:
            call(rule, mod, app, where=where)


def run_app_rules_on_source(rules: Sequence, source: str, filename: str = "app.py",
                            sqlalchemy_major: int | None = None) -> list[Finding]:
    """Run the given rules of kind `app` on one module's source; findings sorted by position.
    `sqlalchemy_major` stands for what the project's dependency files would say (audit/versions.py).
    (`alembic_guard.testing.check_app_source` selects the rules by code.)"""
    wanted = [r for r in rules if r.kind == "app"]
    tree = ast.parse(source, filename=filename)
    mod = build_module(PurePosixPath(filename), source, tree)
    app = AppIndex.build([mod], v2_declared=sqlalchemy_major == 2)
    app.sqlalchemy_major = sqlalchemy_major
    found: list[Finding] = []

    def call(rule, *args, where=None):
        result = rule.func(*args)
        if result is not None:
            found.extend(result)

    _run(wanted, app, call)
    return sorted(_dedupe(found), key=Finding.sort_key)


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    return _dedupe(findings)


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        k = (f.code, f.location.path, f.location.line, f.location.column, f.message)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


__all__ = ["AppIndex", "AppModule", "run_app_rules_on_source", "iter_app_files", "load_app", "run_app_rules"]
