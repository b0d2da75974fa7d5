"""The models analysis (AG2xx): does env.py's `target_metadata` see every mapped model?

Static: every file is read with `ast`; nothing of the analysed project is imported or executed.
`analyse(project)` computes, once per run (`project.analysis("models", analyse)`):

- `target`: env.py's `target_metadata`, resolved to MetaData objects (`envpy.find_target`);
- `models`: every mapped class and imperative Table in the scanned files (`discover.discover`);
- `closure`: the files that running env.py imports, transitively (`imports.ModuleIndex.closure`).

Which files are scanned for models: every `.py` file under the project root (or under
`app_paths` when set), except hidden folders, virtualenvs (folders holding `pyvenv.cfg`),
`site-packages`, `node_modules`, `build`/`dist`, `tests`/`test` folders, `test_*.py`/`*_test.py`/
`conftest.py`, the migrations' version folders, and the `exclude` globs from the settings.

Only the opt-in probe (`probe.py`, `--import`, rule AG206) executes env.py, in a subprocess.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from alembic_guard.core import reading
from alembic_guard.findings import Location, Requires
from alembic_guard.models.discover import Model, classify, discover
from alembic_guard.models.envpy import Target, find_target
from alembic_guard.models.evaluator import Evaluator
from alembic_guard.models.imports import Edge, ModuleIndex
from alembic_guard.models.probe import run_probe
from alembic_guard.models.scan import ScanPolicy, scan_files
from alembic_guard.project.files import app_starts
from alembic_guard.models.values import FlaskDBValue, MetadataRef

__all__ = ["ModelsAnalysis", "Model", "Target", "analyse", "run_models_rules"]


@dataclass
class ModelsAnalysis:
    root: Path
    env_py: Path
    env_rel: PurePosixPath
    target: Target
    models: tuple[Model, ...]
    closure: dict[Path, tuple[Path, Edge] | None]
    index: ModuleIndex
    scanned: tuple[Path, ...]
    entry_points: tuple[Path, ...] = ()  # extra closure roots (Flask-Migrate: the app modules)
    unreadable: tuple[tuple[Path, str, int | None], ...] = ()
    probe: object | None = None  # probe.ProbeResult when --import ran
    _relpath: object = field(default=None, repr=False)
    _importers: dict | None = field(default=None, repr=False)

    @property
    def importers(self) -> dict[Path, list[tuple[Path, int]]]:
        """Reverse import edges over every scanned file (functions included: application code
        runs its functions). Computed on first use — only when a model is unregistered."""
        if self._importers is None:
            out: dict[Path, list[tuple[Path, int]]] = {}
            for path in self.scanned:
                text = self.index.text(path)
                if text is None or "import" not in text or self.index.source(path).tree is None:
                    continue
                for edge in self.index.edges(path, eager=True):
                    for f in edge.files:
                        out.setdefault(f, []).append((path, edge.line))
            self._importers = out
        return self._importers

    # ------------------------------------------------------------------ questions rules ask
    def rel(self, path: Path) -> PurePosixPath:
        return self._relpath(path)

    def location(self, model: Model) -> Location:
        return Location(self.rel(model.path), model.line, 1)

    def env_location(self, line: int | None = None) -> Location:
        return Location(self.env_rel, line, 1 if line else None)

    @property
    def target_keys(self) -> frozenset[str]:
        return frozenset(m.key for m in self.target.metadatas)

    def registered(self, model: Model) -> bool:
        """Is the model's module executed when Alembic runs env.py?"""
        return Path(os.path.abspath(model.path)) in self.closure

    def on_target(self, model: Model) -> bool:
        return model.metadata.key in self.target_keys

    def module_name(self, path: Path) -> str | None:
        return self.index.name_of(path)

    def fix_import(self, model: Model) -> str | None:
        """The import line that, added to env.py, registers the model."""
        name = self.module_name(model.path)
        if name is None:
            return None
        return f"import {name}  # noqa: F401"

    def package_fix(self, model: Model) -> tuple[PurePosixPath, str] | None:
        """(package `__init__.py`, line) when the model's package `__init__` already runs under
        env.py: importing the module from there is the project's own convention."""
        path = Path(os.path.abspath(model.path))
        if path.name == "__init__.py":
            return None
        init = path.parent / "__init__.py"
        if init not in self.closure:
            return None
        # only where the package already imports its model modules (an aggregating __init__)
        inside = {f for e in self.index.edges(init) for f in e.files
                  if f != init and (f.parent == init.parent or f.parent.parent == init.parent)}
        if not any(Path(os.path.abspath(m.path)) in inside for m in self.models):
            return None
        return self.rel(init), f"from . import {path.stem}  # noqa: F401"

    def star_fix(self, model: Model) -> tuple[PurePosixPath, str] | None:
        """(package `__init__.py`, advice) when env.py reaches the model's package through
        `from pkg import *`, which imports only the submodules named in `__all__`."""
        path = Path(os.path.abspath(model.path))
        init = path.parent / "__init__.py"
        if path.name == "__init__.py" or init not in self.closure:
            return None
        for f in self.closure:
            for edge in self.index.edges(f) if f.is_file() else ():
                if edge.text.endswith("import *") and edge.files and init in edge.files:
                    listed = self.index.dunder_all(init)
                    what = "add an `__all__` naming the submodules" if listed is None else f'add `"{path.stem}"` to `__all__`'
                    return self.rel(init), f"{what} in `{self.rel(init)}`: `{edge.text}` imports only the submodules listed there"
        return None

    def app_importers(self, model: Model) -> list[tuple[Path, int, list[Path]]]:
        """The application code (outside env.py's import closure) that imports the model's module:
        (entry file, line of its import, the modules in between), for the files nothing else
        imports, nearest first."""
        start = Path(os.path.abspath(model.path))
        parent: dict[Path, tuple[Path, int] | None] = {start: None}
        queue = [start]
        tops: list[Path] = []
        while queue:
            current = queue.pop(0)
            importers = [(p, line) for p, line in self.importers.get(current, []) if p not in self.closure]
            fresh = [(p, line) for p, line in importers if p not in parent]
            if current != start and not importers:
                tops.append(current)
            for p, line in fresh:
                parent[p] = (current, line)
                queue.append(p)
        out = []
        for top in tops:
            below, line = parent[top]
            via = []
            while below != start:
                via.append(below)
                below = parent[below][0]
            out.append((top, line, via))
        return out

    def metadata_import(self, ref: MetadataRef) -> tuple[str, str] | None:
        """(import line, expression) to reach a MetaData from env.py, for hints."""
        if ref.key.startswith("sqlmodel:"):
            return "from sqlmodel import SQLModel", "SQLModel.metadata"
        if ref.path is None:
            return None
        module = self.module_name(ref.path)
        name = re.split(r"[.\[]", ref.label, maxsplit=1)[0]
        if module is None or not name.isidentifier():
            return None
        return f"from {module} import {name}", ref.label

    def chain(self, path: Path) -> list[tuple[Path, Edge]]:
        """How env.py reaches `path`: the imports from env.py down to it."""
        out = []
        current = Path(os.path.abspath(path))
        seen = set()
        while current in self.closure and self.closure[current] is not None and current not in seen:
            seen.add(current)
            parent, edge = self.closure[current]
            out.append((parent, edge))
            current = parent
        return list(reversed(out))

    def facts(self) -> dict:
        return {
            "env_py": str(self.env_rel),
            # each MetaData env.py hands autogenerate, and where that object is created
            "target_metadata": [
                {"label": m.label, "defined_at": f"{self.rel(m.path)}:{m.line}" if m.path is not None else None}
                for m in self.target.metadatas
            ],
            "target_status": self.target.status,
            "models": len(self.models),
            "registered": sum(1 for m in self.models if self.registered(m)),
            "files_scanned": len(self.scanned),
            "env_import_closure": len(self.closure),
            # Flask-Migrate: the app modules `flask db` loads before env.py, followed as well
            "app_entry_points": [str(self.rel(p)) for p in self.entry_points],
            # files that could not be parsed: their models and imports are unknown
            "unreadable": [
                {"path": str(self.rel(p)), "line": line, "error": err} for p, err, line in self.unreadable
            ],
        }


# ---------------------------------------------------------------------- building it
def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _prepend_roots(project) -> list[Path]:
    """alembic.ini's prepend_sys_path entries, as project discovery read them (one parser for the
    separators: `alembic_guard.project.locate`)."""
    return [Path(os.path.normpath(p)) for p in project.layout.prepend_sys_path]


def sys_path_roots(project) -> list[Path]:
    """Where Python would look for the project's modules when Alembic runs env.py."""
    root = Path(os.path.abspath(project.root))
    layout = project.layout
    roots = _prepend_roots(project)
    roots.append(root)
    roots += [Path(os.path.abspath(r)) for r in getattr(layout, "package_roots", ())]
    if (root / "src").is_dir():
        roots.append(root / "src")
    env_dir = Path(os.path.abspath(layout.script_location))
    roots += [env_dir, env_dir.parent]
    # a project whose root is itself a package (alembic.ini inside `app/`): its parent is a root too
    # (also a migrations folder without __init__.py inside a package: `lemur/migrations/alembic.ini`)
    for start in (root, env_dir):
        anc = start
        if not (anc / "__init__.py").is_file() and (anc.parent / "__init__.py").is_file():
            anc = anc.parent
        while (anc / "__init__.py").is_file() and anc.parent != anc:
            anc = anc.parent
        if anc != start and anc not in roots:
            roots.append(anc)
    return [Path(os.path.normpath(r)) for r in roots]


def _scan_policy(project) -> ScanPolicy:
    settings = project.settings
    root = Path(os.path.abspath(getattr(project, "app_root", project.root)))
    if settings.app_paths:
        include = tuple(app_starts(settings.app_paths, project.root))  # relative to the project root, as documented
    else:
        # the project root, plus prepend_sys_path folders outside it (`prepend_sys_path = ..`)
        include = (root,) + tuple(
            r for r in _prepend_roots(project) if r.is_dir() and not _is_within(r, root)
        )
    versions = tuple(Path(os.path.abspath(v)) for v in (*project.layout.version_locations,
                                                          *getattr(project.layout, "other_locations", ())))
    return ScanPolicy(include=include, exclude_dirs=versions, exclude_globs=tuple(settings.exclude))


def _flask_entry_points(index: ModuleIndex, ev: Evaluator, files: Sequence[Path], root: Path) -> tuple[list[Path], list]:
    """Flask-Migrate: `flask db migrate` loads the app before env.py. The app modules are the
    files calling `Migrate(...)` or importing `flask_migrate` (a manage.py registering the `db`
    commands), `.flaskenv`'s FLASK_APP, else `app.py`/`wsgi.py` at the root."""
    entries: list[Path] = []
    dbs = []
    for path in files:
        src = index.source(path)
        if src.text is None or "igrate" not in src.text or src.tree is None:  # Migrate(app, db) or migrate.init_app(app, db)
            continue
        for node in ast.walk(src.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                    (getattr(node, "module", None) or a.name).startswith("flask_migrate") for a in node.names):
                if path not in entries:  # the CLI that registers `flask db` (manage.py) runs before env.py
                    entries.append(path)
                continue
            if not isinstance(node, ast.Call):
                continue
            fname = ast.unparse(node.func)
            db_node = None
            if fname.split(".")[-1] == "Migrate":
                db_node = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "db"), None)
            elif fname.endswith(".init_app") and len(node.args) > 1:
                db_node = node.args[1]
            if db_node is None:
                continue
            if path not in entries:
                entries.append(path)
            dbs.append(ev.evaluate(path, db_node))
    if entries and not any(isinstance(d, FlaskDBValue) for d in dbs):
        dbs += _project_flask_dbs(index, ev, files)  # `db` imported inside the app factory (not readable there)
    flask_app = None
    for envfile in (".flaskenv", ".env"):
        p = root / envfile
        if p.is_file():
            try:
                m = re.search(r"^\s*FLASK_APP\s*=\s*['\"]?([^'\"\s]+)", reading.read_text(p, limit=reading.MAX_CONFIG_BYTES), re.M)
            except (OSError, UnicodeDecodeError):
                m = None
            if m:
                flask_app = m.group(1)
                break
    if flask_app:
        target = flask_app.split(":")[0]
        hit = (root / target) if target.endswith(".py") else index.find(target)
        if hit is not None and Path(hit).exists():
            entries.append(Path(os.path.abspath(hit)))
    else:
        for name in ("app.py", "wsgi.py"):
            if (root / name).is_file():
                entries.append(root / name)
    return list(dict.fromkeys(entries)), dbs


def _project_flask_dbs(index: ModuleIndex, ev: Evaluator, files: Sequence[Path]) -> list:
    """The project's one Flask-SQLAlchemy instance (`db = SQLAlchemy()` or a subclass) at module level;
    nothing when there are several."""
    found = {}
    for path in files:
        src = index.source(path)
        if src.text is None or "SQLAlchemy" not in src.text or src.tree is None:
            continue
        for stmt in src.tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call):
                v = ev.evaluate(path, stmt.value)
                if isinstance(v, FlaskDBValue):
                    found.setdefault(v.key, v)
    return list(found.values()) if len(found) == 1 else []


# Every way to map a class or a table writes at least one of these words in the file.
_MODEL_WORDS = re.compile(
    r"__tablename__|__table__|__mapper_args__|__abstract__|Column|mapped_column|Mapped|relationship|Model|"
    r"Table|SQLModel|declarative|registry|Base|table\s*=\s*True"
)


_REVISION_HEADER = re.compile(r"(?m)^down_revision\s*(?::[^=\n]*)?=")


def is_revision_text(text: str) -> bool:
    """A revision file of some Alembic environment (a module-level `down_revision = ...`)."""
    return "down_revision" in text and _REVISION_HEADER.search(text) is not None


def _may_define_models(text: str) -> bool:
    return ("class " in text or "Table" in text) and _MODEL_WORDS.search(text) is not None


def analyse(project) -> ModelsAnalysis:
    root = Path(os.path.abspath(project.root))
    index = ModuleIndex(sys_path_roots(project), root)
    ev = Evaluator(index, project.relpath, classify)
    env_py = Path(os.path.abspath(project.layout.env_py))
    skipped_dirs: list[tuple[Path, str]] = []
    files = scan_files(_scan_policy(project), root, skipped_dirs)

    ev.flat_modules.add(env_py)
    env_text = index.source(env_py).text if env_py.is_file() else None
    entry_points: list[Path] = []
    if env_text and "current_app" in env_text:
        entry_points, dbs = _flask_entry_points(index, ev, files, root)
        ev.migrate_dbs = dbs
    target = find_target(ev, env_py)

    starts: list[tuple[Path, bool]] = []
    if env_py.is_file():
        starts.append((env_py, False))  # its functions count when env.py calls them (run_migrations_online...)
    starts += [(p, True) for p in entry_points]  # the app factory runs too
    closure = index.closure(starts)

    models: list[Model] = []
    unreadable = [(folder, f"folder not read ({why}): models in it are unknown", None) for folder, why in skipped_dirs]
    for path in files:
        text = index.text(path)
        if text is not None and not _may_define_models(text):
            continue  # cannot define a model: not even parsed (unless an import reaches it)
        if text is not None and is_revision_text(text):
            continue  # another environment's revision file: its classes are snapshots for data migrations
        src = index.source(path)
        if src.tree is None:
            unreadable.append((path, src.error or "unreadable", src.error_line))
            continue
        models.extend(discover(ev, path))
    models.sort(key=lambda m: (str(m.path), m.line))

    return ModelsAnalysis(
        root=root,
        env_py=env_py,
        env_rel=project.relpath(env_py),
        target=target,
        models=tuple(models),
        closure=closure,
        index=index,
        scanned=tuple(files),
        entry_points=tuple(entry_points),
        unreadable=tuple(unreadable),
        _relpath=project.relpath,
    )


# ---------------------------------------------------------------------- the engine's runner
def run_models_rules(rules, project, ctx) -> None:
    """Runner for rule kind `models` (wired in engine.RUNNERS): rules are called as
    `fn(analysis, project)`. The import probe runs once, first, when an IMPORT rule is selected
    (the engine only passes IMPORT rules under `--import`)."""
    if ctx.progress:
        ctx.progress("models: reading env.py and model modules")
    analysis = project.analysis("models", analyse)
    if any(r.requires is Requires.IMPORT for r in rules) and analysis.probe is None:
        if ctx.progress:
            ctx.progress("models: importing env.py in a subprocess (--import)")
        analysis.probe = run_probe(project)
    before = len(ctx.findings)
    for rule in rules:
        ctx.call(rule, analysis, project, where=analysis.env_location())
    ctx.facts["models"] = analysis.facts()
    if not analysis.models and analysis.target.status not in ("none", "missing", "no-env") and len(ctx.findings) == before:
        # a family that ran on nothing says so (issue 12.6): env.py names a metadata, no model found
        where = project.relpath(getattr(project, "app_root", project.root))
        ctx.skip([r.code for r in rules], f"ran on nothing: env.py names a target_metadata but no model was found in "
                 f"{len(analysis.scanned)} file(s) under `{where}` (pass --app-path to point at the models)")
    # let inline suppressions work in env.py and the model files
    sources = project._cache.setdefault("suppression_sources", {})
    for path in {analysis.env_py, *(m.path for m in analysis.models)}:
        text = analysis.index.source(path).text if Path(path).is_file() else None
        if text is not None and "alembic-guard" in text:
            sources.setdefault(project.relpath(path), text)
