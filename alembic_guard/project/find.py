"""`locate(settings)`: the one Alembic environment a command works on — at the given folder the
way Alembic finds it (`project.locate.locate_here`), else the single environment found below it
(`project.discover`). This module owns only that fallback and its messages; it must not read ini
files or walk folders itself. It exists so that `locate` and `discover` need not import each
other: discovery builds its layouts with locate's readers, and this module sits above both.
"""

from __future__ import annotations

from pathlib import Path

from alembic_guard.errors import ProjectNotFound
from alembic_guard.project.discover import discover
from alembic_guard.project.environment import listing
from alembic_guard.project.locate import AlembicLayout, NoLayoutHere, locate_here
from alembic_guard.settings import Settings


def locate(settings: Settings) -> AlembicLayout:
    """The layout at `settings.root`, else the one environment below it. Raises ProjectNotFound
    (several environments below: which flags pick one; none usable: what was found and why)."""
    try:
        return locate_here(settings)
    except NoLayoutHere as not_here:
        given = Path(settings.root)
        if not given.is_dir() or settings.config_file:
            raise
        here = given.absolute()
        searched = not_here.searched
        found = discover(here)
        envs = [e for e in found.environments if not settings.name or settings.name == "alembic" or e.layout.section == settings.name]
        if len(envs) == 1:
            return envs[0].layout
        if envs:
            raise ProjectNotFound(
                f"{len(envs)} Alembic environments below {given}; this command works on one",
                searched=tuple(searched),
                hint="pick one with its flags (run from " + str(given) + "):\n" + listing(envs),
            ) from None
        if found.ignored:
            raise ProjectNotFound(
                f"no usable Alembic environment below {given}",
                searched=tuple(searched),
                hint="found but not usable:\n" + "\n".join(f"{where}: {why}" for where, why in found.ignored)
                + "\npass -c FILE or --script-location DIR",
            ) from None
        raise
