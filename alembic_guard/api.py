"""The one entry point the CLI, the GitHub Action and tests call: `check(settings) -> Report`."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from alembic_guard import engine, rules
from alembic_guard.findings import Report
from alembic_guard.errors import GuardError, ProjectNotFound
from alembic_guard.project import Project, environments
from alembic_guard.project.discover import discover
from alembic_guard.project.environment import environment_info
from alembic_guard.sandbox.cleanup import interrupted
from alembic_guard.sandbox.database import ENV_DB_URL
from alembic_guard.sandbox.early import EarlyDatabase
from alembic_guard.sandbox.names import ROUNDTRIP_PREFIX
from alembic_guard.settings import Settings


def check(settings: Settings, progress: Callable[[str], None] | None = None) -> Report:
    """Load each Alembic environment statically (the one selected, else every one found below
    the path: alembic_guard.project.environments) and run the selected rules on it. One
    environment gives its own report; several give one report whose findings are all of theirs
    and whose `environments` hold each one's. Raises GuardError if it cannot analyse."""
    settings = rules.resolve_codes(settings)
    scope = revision_file_scope(settings)  # `check path/to/versions/abc.py`: that revision only
    if scope is not None:
        settings, env, only = scope
        envs = [env]
    else:
        envs, only = environments(settings), None
    selected = rules.select(settings.select, settings.ignore)
    early = _early_database(settings, selected)
    try:
        parts = []
        for env in envs:
            project = Project.load(settings, env.layout)
            report = engine.run(project, selected, progress=progress)
            parts.append((env, project, report))
        if early is not None or any(r.kind == "roundtrip" for r in selected):
            if interrupted():  # Ctrl-C whose KeyboardInterrupt was swallowed: never a report
                raise KeyboardInterrupt
    finally:
        if early is not None:
            early.discard()
    report = merge_reports(parts)
    if only is not None:
        def about(f) -> bool:  # located in the file, or naming it (the second head of AG101)
            return any(os.path.realpath(report.root / loc.path) == str(only) for loc in (f.location, *f.related))

        report = dataclasses.replace(report, findings=tuple(f for f in report.findings if about(f)))
    return report


def revision_file_scope(settings: Settings):  # noqa: C901 - one upward search
    """For a PATH that is a revision file (`check migrations/versions/abc.py`, as Ruff takes a file):
    (settings rooted at the nearest folder above it whose environment holds it, that environment, the
    file's real path), so the whole project is analysed as usual and the report keeps that file's
    findings only. None for any other PATH. Raises ProjectNotFound when no environment above holds it."""
    given = Path(settings.root)
    if given.suffix != ".py" or not given.is_file() or settings.config_file or settings.script_location:
        return None
    target = Path(os.path.realpath(given))
    best = None
    for depth, folder in enumerate(target.parents):
        if depth >= 6 or len(folder.parts) <= 2 or (best is not None and depth > best[0] + 3):
            break  # never walk `/`, `/tmp`, `/home`...: a revision file sits a few folders below its project
        try:
            found = discover(folder, settings)
        except GuardError:
            found = None
        for env in (found.environments if found else ()):
            locations = [Path(os.path.realpath(env.layout.root / v)) for v in env.layout.version_locations]
            if any(target.is_relative_to(loc) for loc in locations):
                if best is None or (env.layout.ini_path or env.layout.pyproject_path) and not (
                        best[2].layout.ini_path or best[2].layout.pyproject_path):
                    best = (depth, folder, env)
                break
        if best is not None and (best[2].layout.ini_path or best[2].layout.pyproject_path):
            break  # the environment as its alembic.ini / pyproject.toml describes it
        if (folder / ".git").exists():
            break  # the repository's top
    if best is not None:
        return dataclasses.replace(settings, root=best[1]), best[2], target
    raise ProjectNotFound(f"{given}: not a revision file of an Alembic environment found above it",
                          hint="pass the project's folder (or -c / --script-location) to check the whole project")


def merge_reports(parts) -> Report:
    """One report for several environments (see `check`)."""
    if len(parts) > 1:
        # environments sharing an application (dispatch's core and tenant) audit the same files:
        # a finding is reported once, by the first environment that found it
        seen: set[tuple] = set()
        unique = []
        for env, project, report in parts:
            kept = []
            for f in report.findings:
                key = (f.code, str(f.location), f.message)
                if key not in seen:
                    seen.add(key)
                    kept.append(f)
            unique.append((env, project, dataclasses.replace(report, findings=tuple(kept))))
        parts = unique
    infos = tuple(environment_info(env, project, report) for env, project, report in parts)
    if len(parts) == 1:
        return dataclasses.replace(parts[0][2], environments=infos)
    findings, skipped, rule_infos = [], [], {}
    for _env, _project, report in parts:
        findings.extend(report.findings)
        for skip in report.skipped:
            if skip not in skipped:
                skipped.append(skip)
        for info in report.rules:
            rule_infos.setdefault(info.code, info)
    facts = {"environments": len(parts)}
    return Report(root=parts[0][2].root, findings=tuple(findings), rules=tuple(rule_infos.values()),
                  skipped=tuple(skipped), facts=facts, environments=infos)


def _early_database(settings: Settings, selected):
    """Start creating the round trip's database on a server URL now (see `EarlyDatabase`)."""
    if not any(r.kind == "roundtrip" for r in selected):
        return None
    spec = settings.db  # as open_sandbox reads it
    if spec in (None, "", "auto"):
        spec = settings.db_url or (os.environ.get(ENV_DB_URL) if spec == "auto" else None)
    if not spec or "://" not in spec:
        return None
    return EarlyDatabase.start(spec, ROUNDTRIP_PREFIX)


def check_path(path: str | Path, **overrides) -> Report:
    """Convenience: settings from the project's pyproject plus overrides, then check()."""
    return check(rules.load_settings(Path(path), **overrides))
