"""Helpers for the models tests: write a tiny Alembic project, run the AG2xx rules on it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from alembic_guard import api

INI = """[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
sqlalchemy.url = sqlite:///app.db
"""

ENV_TEMPLATE = '''from alembic import context

{body}


def run_migrations_offline():
    context.configure(url="sqlite://", target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_offline()
'''

DB = '''from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
'''


def env_py(body: str) -> str:
    """An env.py whose module-level part is `body` (it must set target_metadata)."""
    return ENV_TEMPLATE.format(body=textwrap.dedent(body).strip())


def write_project(root: Path, files: dict[str, str], *, env: str | None = None, ini: str = INI) -> Path:
    """Write alembic.ini, migrations/env.py (from `env`, a module-level body), an empty versions
    folder and `files` (path -> source, dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(ini)
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    if env is not None:
        (root / "migrations" / "env.py").write_text(env_py(env))
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def findings(root: Path, select: str = "AG2", **overrides):
    report = api.check_path(root, select=(select,), **overrides)
    return list(report.findings)


def summary(found) -> list[tuple[str, str, int | None]]:
    """(code, path, line) triples, sorted: compact exact comparisons."""
    return sorted((f.code, str(f.location.path), f.location.line) for f in found)


class Helpers:
    """The helpers above, as a fixture (test modules cannot import a conftest)."""

    findings = staticmethod(findings)
    summary = staticmethod(summary)
    write_project = staticmethod(write_project)
    env_py = staticmethod(env_py)
    DB = DB
    SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"


@pytest.fixture
def ag2():
    return Helpers


@pytest.fixture
def project(tmp_path):
    """project(files, env=...) -> root of a fresh tiny project."""
    counter = iter(range(1000))

    def make(files: dict[str, str], env: str | None = None, **kw) -> Path:
        return write_project(tmp_path / f"p{next(counter)}", files, env=env, **kw)

    return make
