"""The result cache (alembic_guard.core.cache): a rerun reuses per-file findings only when nothing they
depend on changed, and the report is identical with or without it."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from alembic_guard import api, engine
from alembic_guard.core import cache as cache_mod
from alembic_guard.cli import cli
from alembic_guard.formatters import get as get_formatter
from alembic_guard.project import migration as migration_mod
from alembic_guard.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"
sys.path.insert(0, str(ROOT / "benchmarks"))


def _report(root: Path, cache_dir: Path | None, **kw) -> str:
    settings = Settings(root=root, cache=cache_dir is not None, cache_dir=cache_dir, **kw)
    out = io.StringIO()
    get_formatter("json")(api.check(settings), out)
    data = json.loads(out.getvalue())
    data.get("facts", {}).pop("timings", None)
    return json.dumps(data, sort_keys=True)


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """File names parsed with `ast` (the work a cache hit saves)."""
    seen: list[str] = []
    real = migration_mod.parse_module

    def counting(source, filename="<unknown>"):
        seen.append(Path(filename).name)
        return real(source, filename)

    monkeypatch.setattr(migration_mod, "parse_module", counting)
    return seen


def _copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(SAMPLES / name, dest, ignore=shutil.ignore_patterns("__pycache__", "expected"))
    return dest


def _args(name: str) -> list[str]:
    import shlex

    args_file = SAMPLES / name / "expected" / "args.txt"
    return shlex.split(args_file.read_text()) if args_file.exists() else []


STATIC_SAMPLES = sorted(p.name for p in SAMPLES.iterdir() if (p / "expected").is_dir() and "--db" not in _args(p.name))


def _cli_json(project: Path, args: list[str], *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", str(project), *args, "--format", "json", *extra])
    data = json.loads(result.output) if result.output.strip().startswith("{") else result.output
    if isinstance(data, dict):
        data.get("facts", {}).pop("timings", None)
    return result.exit_code, json.dumps(data, sort_keys=True)


@pytest.mark.parametrize("name", STATIC_SAMPLES)
def test_cold_and_warm_cache_give_the_uncached_report(name, tmp_path):
    project = _copy(name, tmp_path)
    cache_dir = str(tmp_path / "cache")
    args = _args(name)
    uncached = _cli_json(project, args, "--no-cache")
    assert _cli_json(project, args, "--cache-dir", cache_dir) == uncached  # cold: fills the cache
    assert _cli_json(project, args, "--cache-dir", cache_dir) == uncached  # warm: from the cache


def test_warm_run_parses_nothing_and_an_edit_reparses_only_that_file(tmp_path, parses):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    first = _report(project, cache_dir)
    assert parses, "the cold run parses the revision files"
    cached = json.loads(next(cache_dir.glob("*.json")).read_text())["files"]
    assert cached, "the cold run stored per-file results"

    parses.clear()
    assert _report(project, cache_dir) == first
    assert parses == [], "a warm run over unchanged files parses none of them"

    versions = sorted((project / "migrations" / "versions").glob("*.py"))
    edited = versions[0]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("def upgrade():\n", "def upgrade():\n    op.drop_column(\"accounts\", \"zz_cache_probe\")\n", 1), encoding="utf-8")
    parses.clear()
    after = _report(project, cache_dir)
    assert parses == [edited.name], "only the edited file is parsed again"
    assert after == _report(project, None), "the edited file's findings are fresh"
    assert "zz_cache_probe" in after and "zz_cache_probe" not in first


def test_same_text_new_mtime_still_hits(tmp_path, parses):
    """Keyed by content, not mtime: a fresh clone with the cache folder restored reuses it."""
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    first = _report(project, cache_dir)
    for path in (project / "migrations" / "versions").glob("*.py"):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    parses.clear()
    assert _report(project, cache_dir) == first
    assert parses == []


@pytest.mark.parametrize("change", [
    {"dialect": "mysql"},
    {"server_version": "10"},
    {"select": ("AG4",)},
])
def test_a_settings_change_is_a_miss(change, tmp_path, parses):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    _report(project, cache_dir)
    parses.clear()
    changed = _report(project, cache_dir, **change)
    assert parses, f"{change} must not reuse findings computed under other settings"
    assert changed == _report(project, None, **change)


def test_env_py_timeouts_are_part_of_the_key(tmp_path, parses):
    """AG4xx timeout rules read env.py: editing it must invalidate every revision's findings."""
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    _report(project, cache_dir)
    env_py = project / "migrations" / "env.py"
    env_py.write_text(env_py.read_text(encoding="utf-8") + "\n# SET lock_timeout = '2s'; SET statement_timeout = '30s'\n", encoding="utf-8")
    parses.clear()
    assert _report(project, cache_dir) == _report(project, None)
    assert parses


def test_a_new_alembic_guard_build_is_a_miss(tmp_path, parses, monkeypatch):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    _report(project, cache_dir)
    monkeypatch.setattr(cache_mod, "_BUILD", "another-build")
    parses.clear()
    _report(project, cache_dir)
    assert parses


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"[]", b'{"format": 1, "build": null, "files": []}', b"\xff\xfe" * 50])
def test_a_corrupt_cache_file_is_ignored_and_replaced(garbage, tmp_path):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    expected = _report(project, cache_dir)
    target = next(cache_dir.glob("*.json"))
    target.write_bytes(garbage)
    assert _report(project, cache_dir) == expected
    assert json.loads(target.read_text())["files"], "rewritten with fresh results"


def test_malformed_entries_are_misses(tmp_path, parses):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    expected = _report(project, cache_dir)
    target = next(cache_dir.glob("*.json"))
    data = json.loads(target.read_text())
    for rel, entry in data["files"].items():
        entry[2] = [["AG401", "loud", 3, None]]  # a finding of the wrong shape
    target.write_text(json.dumps(data))
    parses.clear()
    assert _report(project, cache_dir) == expected
    assert parses


def test_unreadable_cache_folder_only_costs_speed(tmp_path):
    project = _copy("dangerous_ops_postgres", tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    assert _report(project, blocker / "cache") == _report(project, None)


def test_a_file_that_does_not_parse_is_never_cached(tmp_path):
    project = _copy("dangerous_ops_postgres", tmp_path)
    broken = sorted((project / "migrations" / "versions").glob("*.py"))[-1]
    broken.write_text(broken.read_text(encoding="utf-8").replace("def downgrade():", "def downgrade(:"), encoding="utf-8")
    cache_dir = tmp_path / "cache"
    first = _report(project, cache_dir)
    assert "AG003" in first
    files = json.loads(next(cache_dir.glob("*.json")).read_text())["files"]
    assert not any(rel.endswith(broken.name) for rel in files)
    assert _report(project, cache_dir) == first


def test_deleted_revisions_leave_the_cache(tmp_path):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    _report(project, cache_dir)
    gone = sorted((project / "migrations" / "versions").glob("*.py"))[-1]
    gone.unlink()
    _report(project, cache_dir)
    files = json.loads(next(cache_dir.glob("*.json")).read_text())["files"]
    assert not any(rel.endswith(gone.name) for rel in files)


def test_no_cache_flag_writes_nothing(tmp_path):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    result = CliRunner().invoke(cli, ["check", str(project), "--no-cache", "--cache-dir", str(cache_dir)])
    assert result.exit_code == 1, result.output
    assert not cache_dir.exists()
    result = CliRunner().invoke(cli, ["check", str(project), "--cache-dir", str(cache_dir)])
    assert result.exit_code == 1, result.output
    assert list(cache_dir.glob("*.json"))


def test_pyproject_may_turn_the_cache_off_but_not_move_it(tmp_path):
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    (project / "pyproject.toml").write_text("[tool.alembic-guard]\ncache = false\n")
    result = CliRunner().invoke(cli, ["check", str(project), "--cache-dir", str(cache_dir)])
    assert result.exit_code == 1, result.output
    assert not cache_dir.exists()

    (project / "pyproject.toml").write_text(f"[tool.alembic-guard]\ncache-dir = {str(project / '.cache')!r}\n")
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "check", str(project)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cache-dir" in proc.stderr and "--cache-dir" in proc.stderr and "Traceback" not in proc.stderr
    assert not (project / ".cache").exists()


def test_cache_json_is_data_only(tmp_path):
    """The cache is JSON (never pickle): nothing in it can run code when it is read."""
    project = _copy("dangerous_ops_postgres", tmp_path)
    cache_dir = tmp_path / "cache"
    _report(project, cache_dir)
    data = json.loads(next(cache_dir.glob("*.json")).read_text())
    assert data["format"] == cache_mod.FORMAT and data["build"] == cache_mod.build_id()


def test_large_history_parallel_pass_with_partial_hits(tmp_path):
    """Over PARALLEL_AT misses the pass forks; with some files cached, hits and fresh results
    still come out in file order, identical to an uncached serial run."""
    from gen_history import generate

    project = tmp_path / "big"
    generate(project, n=engine.PARALLEL_AT + 400, seed=11)
    cache_dir = tmp_path / "cache"
    versions = sorted((project / "migrations" / "versions").rglob("*.py"))
    for path in versions[::7]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("def upgrade():\n", "def upgrade():\n    op.drop_column(\"users\", \"legacy\")\n", 1), encoding="utf-8")
    first = _report(project, cache_dir)
    assert first == _report(project, None, jobs=1)
    for path in versions[3::5]:  # a fifth of the files change: partial hits
        path.write_text(path.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    assert _report(project, cache_dir) == _report(project, None, jobs=1)
