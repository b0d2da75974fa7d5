"""Static audit of application code (AG5xx): session and pool misuse, read with `ast` only.

Which files: `settings.app_paths` (CLI `--app-path`, files or folders, relative to the project
root) or, by default, every `.py` file under the project root except the migrations folders,
virtual environments, hidden folders, `site-packages`, `node_modules` and build output; then
`settings.exclude` globs remove more. The application is never imported.

`run_app_rules(rules, project, ctx)` is the engine's runner for rules of kind `app`; each rule is
called as `rule(module, app)` with an `AppModule` (one file: symbols and flows) and the project's
`AppIndex`. `check_app_source(source)` runs the rules on one piece of source (tests, docs).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from alembic_guard.audit.flow import analyse_module
from alembic_guard.audit.symbols import AppIndex, AppModule, build_modules
from alembic_guard.findings import Finding, Location

# folder names skipped on top of alembic_guard.project.files.SKIP_DIRS (golden outputs of samples)
SKIP_DIRS = frozenset({"expected"})


def iter_app_files(project) -> list[Path]:
    """The application files to audit, sorted (see the module docstring for the rules): the shared
    project walker, without the migrations' folders."""
    from alembic_guard.project.files import python_files

    settings = project.settings
    root = project.root
    starts = [(root / p) for p in settings.app_paths] if settings.app_paths else [getattr(project, "app_root", root)]
    for start in starts:
        if not start.exists():
            from alembic_guard.errors import SettingsError

            raise SettingsError(f"--app-path {start}: no such file or folder", key="app_paths",
                                hint="pass a folder or .py file of the application, relative to the project root")
    return python_files(
        starts,
        root=root,
        skip_dirs=SKIP_DIRS,
        exclude_dirs=(project.layout.script_location, *project.layout.version_locations,
                      *getattr(project.layout, "other_locations", ())),
        exclude_globs=settings.exclude,
    )


def load_app(project) -> tuple[AppIndex, dict[str, str]]:
    """Parse the application once per project (cached in `project.analysis("app", ...)`)."""

    def build(project) -> tuple[AppIndex, dict[str, str]]:
        parsed, problems = [], {}
        for path in iter_app_files(project):
            rel = project.relpath(path)
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems[str(rel)] = f"unreadable: {exc}"
                continue
            if not _relevant(source):
                continue
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
        return app, problems

    return project.analysis("app", build)


_V2_PIN = re.compile(r"(?im)^[\s\"']*sqlalchemy\s*(\[[^\]]*\])?\s*(>=|==|~=|>)\s*2")


def declares_sqlalchemy_2(root: Path) -> bool:
    """The project pins SQLAlchemy 2 in pyproject.toml, setup.cfg or requirements*.txt."""
    candidates = [root / "pyproject.toml", root / "setup.cfg", *sorted(root.glob("requirements*.txt"))]
    for path in candidates:
        try:
            if _V2_PIN.search(path.read_text(encoding="utf-8")):
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
            from alembic_guard.audit.flow import Flow

            mod.flows = [Flow(mod, None)]  # rules still run, without flow facts for this module
        for rule in rules:
            call(rule, mod, app, where=where)


def check_app_source(source: str, select: Iterable[str] = ("AG5",), filename: str = "app.py") -> list[Finding]:
    """Run the selected app rules on one module's source; findings sorted by position."""
    from alembic_guard import rules as registry

    wanted = [r for r in registry.select(tuple(select)) if r.kind == "app"]
    tree = ast.parse(source, filename=filename)
    mod = AppModule.build(PurePosixPath(filename), source, tree)
    app = AppIndex.build([mod])
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


__all__ = ["AppIndex", "AppModule", "check_app_source", "iter_app_files", "load_app", "run_app_rules"]
