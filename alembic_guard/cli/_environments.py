"""Commands that show one thing per Alembic environment (`graph`, `models`): a heading per
environment, or in JSON an `environments` list. One environment prints exactly as before."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import TextIO

from alembic_guard.settings import Settings

# how a heading is written in each format (a comment where the format has one)
HEADINGS = {"text": "== {label}", "mermaid": "%% == {label}", "dot": "// == {label}"}


def render_each(settings: Settings, fmt: str, out: TextIO, render_one: Callable[[object, TextIO], None]) -> None:
    """`render_one(project, stream)` for every environment `settings` selects or discovers."""
    from alembic_guard.project.environment import environment_info  # start-up cost: only for commands that read a project
    from alembic_guard.project import Project, environments  # start-up cost: only for commands that read a project

    envs = environments(settings)
    if len(envs) == 1:
        render_one(Project.load(settings, envs[0].layout), out)
        return
    if fmt == "json":
        docs = []
        for env in envs:
            project = Project.load(settings, env.layout)
            buf = io.StringIO()
            render_one(project, buf)
            docs.append({**environment_info(env, project), "result": json.loads(buf.getvalue())})
        json.dump({"environments": docs}, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
        return
    heading = HEADINGS.get(fmt, "== {label}")
    for i, env in enumerate(envs):
        project = Project.load(settings, env.layout)
        if i:
            out.write("\n")
        out.write(heading.format(label=project.label) + "\n")
        if fmt == "text":
            out.write(f"   ({project.relpath(project.layout.script_location)}; dialect "
                      f"{project.dialect or 'unknown'}, {project.dialect_reason})\n")
            for note in env.notes:
                out.write(f"   note: {note}\n")
        render_one(project, out)
