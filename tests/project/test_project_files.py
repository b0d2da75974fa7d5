"""The one walker for the project's own Python files (models, app audit, pool)."""

from __future__ import annotations

from alembic_guard.project.files import glob_match, python_files


def touch(root, *paths):
    for p in paths:
        f = root / p
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("x = 1\n")


def rel(root, files):
    return [f.relative_to(root).as_posix() for f in files]


def test_skips_hidden_venvs_build_output_and_excluded_dirs(tmp_path):
    touch(tmp_path, "app/models.py", "app/api/routes.py", ".hidden/a.py", "build/b.py", "node_modules/c.py",
          "myenv/lib/d.py", "migrations/versions/a1_rev.py", "migrations/env.py", "notes.txt")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    files = python_files([tmp_path], root=tmp_path, exclude_dirs=[tmp_path / "migrations" / "versions"])
    assert rel(tmp_path, files) == ["app/api/routes.py", "app/models.py", "migrations/env.py"]


def test_policy_extras_globs_and_file_filter(tmp_path):
    touch(tmp_path, "app/models.py", "app/test_models.py", "tests/test_x.py", "app/legacy/old.py", "app/gen_pb2.py")
    files = python_files(
        [tmp_path], root=tmp_path, skip_dirs={"tests"}, exclude_globs=["app/legacy", "*_pb2.py"],
        keep_file=lambda name: not name.startswith("test_"),
    )
    assert rel(tmp_path, files) == ["app/models.py"]


def test_a_file_start_is_taken_as_is_and_results_are_unique(tmp_path):
    touch(tmp_path, "app/main.py")
    files = python_files([tmp_path / "app/main.py", tmp_path, tmp_path / "app"], root=tmp_path)
    assert rel(tmp_path, files) == ["app/main.py"]


def test_glob_match():
    assert glob_match("app/legacy/old.py", ["app/legacy/"])
    assert glob_match("app/x_pb2.py", ["*_pb2.py"])
    assert glob_match("src/generated/a.py", ["generated"])
    assert not glob_match("app/models.py", ["app/legacy", "", "tests"])
