"""Helpers for the operation-lint tests: small Alembic projects written to disk, git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from alembic_guard.testing import ENV_PY

INI = "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://postgres@127.0.0.1:5432/app\n"


def revision_source(rev: str, down: str | None, body: str) -> str:
    return (
        f'"""{rev}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "{rev}"\ndown_revision = {down!r}\n\n\n'
        f"def upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )


def write_project(root: Path, revisions: dict[str, str], env_py: str = ENV_PY) -> Path:
    """`revisions`: file name -> source, placed in migrations/versions/."""
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(INI, encoding="utf-8")
    (root / "migrations" / "env.py").write_text(env_py, encoding="utf-8")
    for name, text in revisions.items():
        (root / "migrations" / "versions" / name).write_text(text, encoding="utf-8")
    return root


def git(root: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(root), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True)
    return out.stdout


