"""Project: everything static alembic-guard knows about one Alembic project.

Built by `Project.load(settings)`: locate the configuration, read every revision file with `ast`,
build the revision graph. Nothing of the analysed project is imported or executed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from alembic_guard.graph import RevisionGraph
from alembic_guard.project.loader import LoadProblem, load_revisions, relpath
from alembic_guard.project.locate import AlembicLayout, locate
from alembic_guard.project import migration as migration_mod
from alembic_guard.project.migration import Migration
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
    def load(cls, settings: Settings) -> "Project":
        layout = locate(settings)
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

    @cached_property
    def dialect(self) -> str | None:
        """postgresql | mysql | sqlite | ...: settings first, then alembic.ini's sqlalchemy.url."""
        if self.settings.dialect:
            return self.settings.dialect
        url = self.layout.sqlalchemy_url or ""
        m = re.match(r"^\s*([a-zA-Z0-9_]+)(\+[a-zA-Z0-9_]+)?://", url)
        if not m:
            return None
        name = m.group(1).lower()
        if name == "driver":  # `alembic init`'s placeholder URL (driver://user:pass@localhost/dbname)
            return None
        return {"postgres": "postgresql", "mariadb": "mysql"}.get(name, name)

    def analysis(self, key: str, factory: Callable[["Project"], T]) -> T:
        """A shared, computed-once analysis (operations, models, round-trip results...)."""
        if key not in self._cache:
            self._cache[key] = factory(self)
        return self._cache[key]


__all__ = ["AlembicLayout", "LoadProblem", "Migration", "Project"]
