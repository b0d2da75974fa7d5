"""Which files of the analysed project are searched for models.

This module owns `ScanPolicy` (include folders, excluded folders and globs, test folders skipped;
documented in docs/autogenerate-missing-models.md) and `scan_files`, which applies it through the
shared project walker (`alembic_guard.project.files`). It only lists paths: it must not read,
parse or classify the files it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic_guard.project.files import python_files


@dataclass(frozen=True)
class ScanPolicy:
    """Which files are searched for models (documented in docs/autogenerate-missing-models.md)."""

    include: tuple[Path, ...]
    exclude_dirs: tuple[Path, ...] = ()
    exclude_globs: tuple[str, ...] = ()
    skip_names: frozenset[str] = frozenset({"tests", "test"})  # on top of project.files.SKIP_DIRS


_TEST_FILES = ("conftest.py", "setup.py", "noxfile.py")


def _is_model_candidate(name: str) -> bool:
    return not (name.startswith("test_") or name.endswith("_test.py") or name in _TEST_FILES)


def scan_files(policy: ScanPolicy, root: Path, skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Python files to search for models, sorted: the shared project walker (hidden folders,
    virtualenvs, site-packages, build output, `exclude` globs) without test folders, test files
    and the migrations' version folders."""
    return python_files(
        policy.include,
        root=root,
        skip_dirs=policy.skip_names,
        exclude_dirs=policy.exclude_dirs,
        exclude_globs=policy.exclude_globs,
        keep_file=_is_model_candidate,
        skipped=skipped,
    )


