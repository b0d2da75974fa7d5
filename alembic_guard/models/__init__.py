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

from alembic_guard.findings import Location
from alembic_guard.models.discover import Model, discover
from alembic_guard.models.envpy import Target, find_target
from alembic_guard.models.imports import Edge, ModuleIndex, ScanPolicy, scan_files
from alembic_guard.models.values import Evaluator, MetadataRef

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
    importers: dict[Path, list[tuple[Path, int]]]
    scanned: tuple[Path, ...]
    entry_points: tuple[Path, ...] = ()  # extra closure roots (Flask-Migrate: the app modules)
    unreadable: tuple[tuple[Path, str, int | None], ...] = ()
    probe: object | None = None  # probe.ProbeResult when --import ran
    _relpath: object = field(default=None, repr=False)

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
        siblings = [f for e in self.index.edges(init) for f in e.files
                    if f != init and (f.parent == init.parent or f.parent.parent == init.parent)]
        if not any(os.path.abspath(m.path) in map(str, siblings) for m in self.models):
            return None
        return self.rel(init), f"from . import {path.stem}  # noqa: F401"

    def app_importers(self, model: Model) -> list[tuple[Path, int]]:
        """Files outside env.py's import closure that import the model's module."""
        path = Path(os.path.abspath(model.path))
        return [(p, line) for p, line in self.importers.get(path, []) if p not in self.closure]

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
            "target_metadata": [m.label for m in self.target.metadatas],
            "target_status": self.target.status,
            "models": len(self.models),
            "registered": sum(1 for m in self.models if self.registered(m)),
            "files_scanned": len(self.scanned),
            "env_import_closure": len(self.closure),
        }


# ---------------------------------------------------------------------- building it
def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _prepend_roots(project) -> list[Path]:
    """alembic.ini's prepend_sys_path entries (relative to the project root, where `alembic` runs)."""
    root = Path(os.path.abspath(project.root))
    layout = project.layout
    roots: list[Path] = []
    raw = layout.options.get("prepend_sys_path")
    if raw is None:
        raw = "."
    sep = layout.options.get("path_separator")
    if sep in (None, ""):
        entries = [e for e in re.split(r", *| +|:", raw.strip()) if e]
    else:
        char = {"space": " ", "newline": "\n", "os": os.pathsep, ";": ";", ":": ":"}.get(sep.strip(), sep)
        entries = [e.strip() for e in raw.split(char) if e.strip()]
    for e in entries:
        p = Path(e)
        roots.append(Path(os.path.normpath(p if p.is_absolute() else root / p)))
    return roots


def sys_path_roots(project) -> list[Path]:
    """Where Python would look for the project's modules when Alembic runs env.py."""
    root = Path(os.path.abspath(project.root))
    layout = project.layout
    roots = _prepend_roots(project)
    roots.append(root)
    if (root / "src").is_dir():
        roots.append(root / "src")
    env_dir = Path(os.path.abspath(layout.script_location))
    roots += [env_dir, env_dir.parent]
    # a project whose root is itself a package (alembic.ini inside `app/`): its parent is a root too
    anc = root
    while (anc / "__init__.py").is_file() and anc.parent != anc:
        anc = anc.parent
    if anc != root:
        roots.append(anc)
    return [Path(os.path.normpath(r)) for r in roots]


def _scan_policy(project) -> ScanPolicy:
    settings = project.settings
    root = Path(os.path.abspath(project.root))
    if settings.app_paths:
        include = tuple(root / p for p in settings.app_paths)
    else:
        # the project root, plus prepend_sys_path folders outside it (`prepend_sys_path = ..`)
        include = (root,) + tuple(
            r for r in _prepend_roots(project) if r.is_dir() and not _is_within(r, root)
        )
    versions = tuple(Path(os.path.abspath(v)) for v in project.layout.version_locations)
    return ScanPolicy(include=include, exclude_dirs=versions, exclude_globs=tuple(settings.exclude))


def _flask_entry_points(index: ModuleIndex, ev: Evaluator, files: Sequence[Path], root: Path) -> tuple[list[Path], list]:
    """Flask-Migrate: `flask db migrate` loads the app before env.py. The app modules are the
    files calling `Migrate(...)`, `.flaskenv`'s FLASK_APP, else `app.py`/`wsgi.py` at the root."""
    entries: list[Path] = []
    dbs = []
    for path in files:
        src = index.source(path)
        if src.text is None or "Migrate" not in src.text or src.tree is None:
            continue
        for node in ast.walk(src.tree):
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
    flask_app = None
    for envfile in (".flaskenv", ".env"):
        p = root / envfile
        if p.is_file():
            try:
                m = re.search(r"^\s*FLASK_APP\s*=\s*['\"]?([^'\"\s]+)", p.read_text(encoding="utf-8"), re.M)
            except OSError:
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


def analyse(project) -> ModelsAnalysis:
    root = Path(os.path.abspath(project.root))
    index = ModuleIndex(sys_path_roots(project), root)
    ev = Evaluator(index, project.relpath)
    env_py = Path(os.path.abspath(project.layout.env_py))
    files = scan_files(_scan_policy(project), root)

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
    unreadable = []
    for path in files:
        src = index.source(path)
        if src.tree is None:
            unreadable.append((path, src.error or "unreadable", src.error_line))
            continue
        models.extend(discover(ev, path))
    models.sort(key=lambda m: (str(m.path), m.line))

    importers: dict[Path, list[tuple[Path, int]]] = {}
    for path in files:
        if index.source(path).tree is None:
            continue
        for edge in index.edges(path, eager=True):
            for f in edge.files:
                importers.setdefault(f, []).append((path, edge.line))

    return ModelsAnalysis(
        root=root,
        env_py=env_py,
        env_rel=project.relpath(env_py),
        target=target,
        models=tuple(models),
        closure=closure,
        index=index,
        importers=importers,
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
    from alembic_guard.rules._registry import Requires

    if ctx.progress:
        ctx.progress("models: reading env.py and model modules")
    analysis = project.analysis("models", analyse)
    if any(r.requires is Requires.IMPORT for r in rules) and analysis.probe is None:
        from alembic_guard.models.probe import run_probe

        if ctx.progress:
            ctx.progress("models: importing env.py in a subprocess (--import)")
        analysis.probe = run_probe(project)
    for rule in rules:
        ctx.call(rule, analysis, project, where=analysis.env_location())
    ctx.facts["models"] = analysis.facts()
    # let inline suppressions work in env.py and the model files
    sources = project._cache.setdefault("suppression_sources", {})
    for path in {analysis.env_py, *(m.path for m in analysis.models)}:
        text = analysis.index.source(path).text if Path(path).is_file() else None
        if text is not None and "alembic-guard" in text:
            sources.setdefault(project.relpath(path), text)
