"""Project: everything static alembic-guard knows about one Alembic project.

Built by `Project.load(settings)`: locate the configuration, read every revision file with `ast`,
build the revision graph. Nothing of the analysed project is imported or executed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from alembic_guard.graph import RevisionGraph
from alembic_guard.project import migration as migration_mod
from alembic_guard.project.discover import discover
from alembic_guard.project.environment import Environment, listing
from alembic_guard.project.histories import split_histories
from alembic_guard.project.loader import load_revisions
from alembic_guard.project.find import locate
from alembic_guard.project.locate import AlembicLayout
from alembic_guard.project.migration import Migration
from alembic_guard.project.overrides import apply_overrides
from alembic_guard.project.paths import relpath
from alembic_guard.project.problems import LoadProblem
from alembic_guard.settings import Settings

T = TypeVar("T")


@dataclass(eq=False)
class Project:
    settings: Settings
    layout: AlembicLayout
    migrations: tuple[Migration, ...]
    problems: tuple[LoadProblem, ...]
    import_problems: tuple[LoadProblem, ...] = ()  # files Alembic itself could not load (--import)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, settings: Settings, layout: AlembicLayout | None = None) -> "Project":
        """The project at `settings`' path (located like Alembic), or the given `layout` (one
        environment found by `environments`)."""
        layout = layout if layout is not None else locate(settings)
        for app_path in settings.app_paths:  # exit 2 for every command, before any analysis
            if not (layout.root / app_path).exists():
                from alembic_guard.errors import SettingsError

                raise SettingsError(f"--app-path {app_path}: no such file or folder (looked in {layout.root})",
                                    key="app_paths", hint="pass a folder or .py file of the application, relative to the project root")
        migrations, problems = load_revisions(layout, settings.jobs)
        project = cls(settings=settings, layout=layout, migrations=tuple(migrations), problems=tuple(problems))
        migration_mod.FREEZE_TREES = len(migrations) >= migration_mod.FREEZE_AT
        if settings.allow_import:
            from alembic_guard.project.importer import apply_import

            apply_import(project)
        return project

    # ------------------------------------------------------------------ facts
    @property
    def root(self) -> Path:
        return self.layout.root

    def relpath(self, path: Path) -> PurePosixPath:
        return relpath(path, self.root)

    def config_location(self) -> "Location":
        """Where project-wide findings point: the ini file, else the script location."""
        from alembic_guard.findings import Location

        return Location(self.relpath(self.layout.ini_path or self.layout.script_location))

    @cached_property
    def graph(self) -> RevisionGraph:
        revisions = [r for r in (m.to_revision() for m in self.migrations) if r is not None]
        return RevisionGraph.build(revisions)

    @cached_property
    def by_revision(self) -> dict[str, Migration]:
        out: dict[str, Migration] = {}
        for mig in self.migrations:
            rid = mig.revision_id
            if rid is not None and rid not in out:
                out[rid] = mig
        return out

    @property
    def label(self) -> str:
        """Which environment this is (set by discovery; else the ini or script location)."""
        return self.layout.label or str(self.relpath(self.layout.ini_path or self.layout.script_location))

    @cached_property
    def app_root(self) -> Path:
        """The application this environment belongs to (alembic_guard.project.approot): what the
        models analysis and the session audit read by default."""
        from alembic_guard.project.approot import app_root

        given = Path(self.settings.root)
        return app_root(self.layout, given if given.is_dir() else given.parent)

    @cached_property
    def _dialect_choice(self) -> tuple[str | None, str]:
        from alembic_guard.project.dialect import choose

        return choose(self)

    @property
    def dialect(self) -> str | None:
        """postgresql | mysql | sqlite | ...: from evidence (alembic_guard.project.dialect)."""
        return self._dialect_choice[0]

    @property
    def dialect_reason(self) -> str:
        return self._dialect_choice[1]

    def analysis(self, key: str, factory: Callable[["Project"], T]) -> T:
        """A shared, computed-once analysis (operations, models, round-trip results...)."""
        if key not in self._cache:
            self._cache[key] = factory(self)
        return self._cache[key]


def environments(settings: Settings) -> list:
    """The environments a command analyses: the one `-c` / `-n` / `--script-location` / a file
    PATH selects, else every environment discovered below PATH (alembic_guard.project.discover).
    Returns `Environment`s; raises ProjectNotFound when there is none."""
    given = Path(settings.root)
    explicit = settings.config_file is not None or settings.script_location or (given.exists() and not given.is_dir())
    if explicit or not given.is_dir():
        root = given if given.is_dir() else given.parent
        layout = locate(settings)
        label = str(relpath(layout.ini_path or layout.script_location, layout.root))
        return apply_overrides(split_histories(Environment(layout, label, "")), root, settings)
    found = discover(given, settings)
    envs = list(found.environments)
    if settings.name and settings.name != "alembic":
        named = [e for e in envs if e.layout.section == settings.name]
        if not named and envs:
            from alembic_guard.errors import ProjectNotFound
            import difflib

            close = difflib.get_close_matches(settings.name, sorted({e.layout.section for e in envs}), n=1)
            raise ProjectNotFound(f"no ini section [{settings.name}] in the Alembic environments below {given}",
                                  hint=(f"did you mean --name {close[0]}? " if close else "")
                                  + "the environments found, with the flags that pick each:\n" + listing(envs))
        envs = named
    if not envs:
        layout = locate(settings)  # raises the usual "not found" (or finds what the walk cannot)
        return [Environment(layout, "", "")]
    return envs


__all__ = ["AlembicLayout", "LoadProblem", "Migration", "Project", "environments"]
