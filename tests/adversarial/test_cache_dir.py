"""`--cache-dir DIR` never deletes the user's files (issue 17.4): the result cache prunes only
files it wrote, in a folder it marked as its own."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from alembic_guard.core import cache

from .conftest import run_inprocess

OLD = time.time() - 90 * 86400  # older than the 30-day pruning age


def _age(path: Path) -> None:
    os.utime(path, (OLD, OLD))


def _user_files(folder: Path) -> dict[str, bytes]:
    """Files a user might keep in a folder they pass as --cache-dir, all 'old'."""
    files = {
        "notes.json": b'{"mine": true}',
        "data.tmp": b"scratch",
        "0123456789abcdef01234567.json": b'{"not": "a cache file"}',  # our naming, not our content
        ".0123456789abcdef01234567.x.tmp.bak": b"backup",
        "report.sarif": b"{}",
        "sub/deep.json": b"{}",
    }
    for rel, data in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        _age(target)
    return files


def _check(project: Path, cache_dir: Path) -> None:
    run = run_inprocess(["check", str(project), "--select", "AG1,AG4", "--cache-dir", str(cache_dir), "--format", "json"])
    assert run.code in (0, 1), run.stderr


def test_cache_dir_with_the_users_files_deletes_none(healthy_project, tmp_path):
    folder = tmp_path / "my-folder"
    folder.mkdir()
    files = _user_files(folder)
    _check(healthy_project, folder)  # a first run in this folder: writes its cache file (and would prune)
    for rel, data in files.items():
        assert (folder / rel).read_bytes() == data, f"--cache-dir deleted or changed the user's {rel}"
    assert not (folder / cache.MARKER).exists(), "a folder holding the user's files must not be claimed"
    written = [p for p in folder.glob("*.json") if cache.is_cache_file(p.name) and p.name not in files]
    assert len(written) == 1, "the cache should still work there"


def test_own_folder_prunes_only_its_own_old_files(healthy_project, tmp_path):
    folder = tmp_path / "fresh-cache"
    _check(healthy_project, folder)  # created by the cache: marked as its own
    assert (folder / cache.MARKER).is_file()
    ours_old = folder / ("f" * 24 + ".json")
    ours_old.write_text('{"format":1,"build":"old","files":{}}')
    tmp_old = folder / (".abcdefabcdefabcdefabcdef.k3j_x9.tmp")
    tmp_old.write_text("partial")
    ours_new = folder / ("e" * 24 + ".json")
    ours_new.write_text('{"format":1,"build":"new","files":{}}')
    foreign = _user_files(folder)  # dropped in later by the user
    for p in (ours_old, tmp_old):
        _age(p)
    # another project's first run in the same folder prunes
    other = tmp_path / "other"
    shutil.copytree(healthy_project, other)
    _check(other, folder)
    assert not ours_old.exists() and not tmp_old.exists(), "old files of the cache's own should be pruned"
    assert ours_new.exists()
    for rel, data in foreign.items():
        assert (folder / rel).read_bytes() == data, f"pruned the user's {rel}"


@pytest.mark.parametrize("name, ours", [
    ("0123456789abcdef01234567.json", True),
    (".0123456789abcdef01234567.abc_12.tmp", True),
    ("0123456789ABCDEF01234567.json", False),
    ("0123456789abcdef0123456.json", False),
    ("notes.json", False),
    ("0123456789abcdef01234567.json.bak", False),
    (".notes.tmp", False),
    ("data.tmp", False),
])
def test_cache_file_names(name, ours):
    assert cache.is_cache_file(name) is ours


def test_a_symlink_named_like_a_cache_file_is_never_followed_or_removed(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / cache.MARKER).write_text("x")
    precious = tmp_path / "precious.json"
    precious.write_text('{"format":1}')
    _age(precious)
    link = folder / ("a" * 24 + ".json")
    link.symlink_to(precious)
    cache._prune(folder)
    assert link.is_symlink() and precious.exists()
