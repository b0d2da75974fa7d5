"""Helpers for loader/discovery tests (tests/project): tiny projects written from a dict, and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

REV = '''"""{message}

Revision ID: {rev}
Revises: {revises}
"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = None


def upgrade():
    op.execute("select 1")


def downgrade():
    op.execute("select 1")
'''


def rev(rev: str, down=None, labels=None, message: str = "change") -> str:
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    return REV.format(rev=rev, down=down, labels=labels, message=message, revises=revises)


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if content.startswith("\n") else content, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path):
    """project({...}) writes files under a fresh folder and returns it."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path / "proj", files)

    return make


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "alembic_guard", *args],
        capture_output=True,
        text=True,
        cwd=str(cwd or REPO),
        env=env,
        timeout=timeout,
    )
