"""Inline and file-level suppressions, end to end through the engine (AG001, AG002)."""

from __future__ import annotations

from pathlib import PurePosixPath

from alembic_guard.suppressions import parse
from alembic_guard.testing import check_files

BASE = 'revision = "a"\ndown_revision = None\n'
C = 'revision = "c"\ndown_revision = "a"\n'
SELECT = ("AG0", "AG101")


def run(b_source: str, **settings):
    files = {"a_base.py": BASE, "b_two.py": b_source, "c_three.py": C}
    return sorted((f.code, str(f.location.path), f.location.line, f.message) for f in check_files(files, SELECT, **settings))


def codes(found):
    return [(c, line) for c, path, line, _ in found]


def test_unsuppressed_two_heads_is_reported():
    found = run('revision = "b"\ndown_revision = "a"\n')
    assert [(c, p) for c, p, *_ in found] == [("AG101", "migrations/versions/b_two.py")]


def test_inline_suppression_hides_the_finding_and_counts_as_used():
    assert run('revision = "b"  # alembic-guard: ignore[AG101] merged in release/2.0\ndown_revision = "a"\n') == []


def test_comment_alone_on_the_line_above():
    assert run('# alembic-guard: ignore[AG101] merged in release/2.0\n\nrevision = "b"\ndown_revision = "a"\n') == []


def test_comment_on_the_last_line_of_a_multi_line_statement():
    src = 'revision = (\n    "b"\n)  # alembic-guard: ignore[AG101] merged later\ndown_revision = "a"\n'
    assert run(src) == []


def test_comment_on_the_first_line_of_a_multi_line_statement():
    src = 'revision = (  # alembic-guard: ignore[AG101] merged later\n    "b"\n)\ndown_revision = "a"\n'
    assert run(src) == []


def test_file_level_suppression_by_prefix():
    assert run('# alembic-guard: ignore-file[AG1] experimental branch\nrevision = "b"\ndown_revision = "a"\n') == []


def test_suppression_on_another_line_does_not_apply_and_is_unused():
    found = run('revision = "b"\ndown_revision = "a"  # alembic-guard: ignore[AG101] wrong line\n')
    assert codes(found) == [("AG001", 2), ("AG101", 1)]
    assert "Unused suppression of AG101" in found[0][3]


def test_unused_file_level_suppression():
    found = run('# alembic-guard: ignore-file[AG101] no longer needed\nrevision = "b"\ndown_revision = None\n'
                .replace('down_revision = None', 'down_revision = "c"'))
    assert codes(found) == [("AG001", 1)]


def test_partly_used_suppression_reports_the_unused_code():
    found = run('revision = "b"  # alembic-guard: ignore[AG101, AG003] both?\ndown_revision = "a"\n')
    assert codes(found) == [("AG001", 1)]
    assert found[0][3] == "Unused suppression of AG003"


def test_unknown_code_and_blanket_ignore_are_ag002():
    found = run('revision = "b"  # alembic-guard: ignore[AG1O1] typo\ndown_revision = "a"  # alembic-guard: ignore\n')
    assert codes(found) == [("AG002", 1), ("AG002", 2), ("AG101", 1)]
    assert "`AG1O1`" in found[0][3] and "hide every rule" in found[1][3]


def test_ignore_all_is_a_blanket_ignore():
    found = run('revision = "b"  # alembic-guard: ignore[ALL] whatever\ndown_revision = "a"\n')
    assert ("AG002", 1) in codes(found)


def test_marker_inside_a_string_is_not_a_suppression():
    src = 'revision = "b"\ndown_revision = "a"\nx = "# alembic-guard: ignore[AG101] not a comment"\n'
    assert codes(run(src)) == [("AG101", 1)]


def test_unused_is_only_reported_for_selected_rules():
    files = {"a_base.py": BASE, "b_two.py": 'revision = "b"  # alembic-guard: ignore[AG101] ok\ndown_revision = "a"\n'}
    assert check_files(files, ("AG0",)) == []


def test_require_reason():
    src = 'revision = "b"  # alembic-guard: ignore[AG101]\ndown_revision = "a"\n'
    assert run(src) == []
    found = run(src, require_reason=True)
    assert codes(found) == [("AG002", 1)] and "no reason" in found[0][3]


def test_require_reason_from_pyproject():
    files = {
        "pyproject.toml": "[tool.alembic-guard]\nrequire-reason = true\n",
        "a_base.py": BASE, "c_three.py": C,
        "b_two.py": 'revision = "b"  # alembic-guard: ignore[AG101]\ndown_revision = "a"\n',
    }
    assert [f.code for f in check_files(files, SELECT)] == ["AG002"]


def test_parse_spans():
    src = (
        "def upgrade():\n"
        "    op.create_index(  # alembic-guard: ignore[AG401] small table\n"
        "        'ix', 't',\n"
        "    )\n"
        "    # alembic-guard: ignore[AG402]\n"
        "\n"
        "    op.drop_index(\n"
        "        # alembic-guard: ignore[AG403] inside the call\n"
        "        'ix')\n"
    )
    got = {s.codes[0]: (s.applies_to, sorted(s.lines), s.reason) for s in parse(PurePosixPath("x.py"), src)}
    assert got == {
        "AG401": (2, [2, 3, 4], "small table"),
        "AG402": (7, [7, 8, 9], ""),
        "AG403": (7, [7, 8, 9], "inside the call"),
    }


def test_parse_survives_broken_source():
    src = "def upgrade(:\n    op.x()  # alembic-guard: ignore[AG401] reason\n'''unterminated\n"
    (s,) = parse(PurePosixPath("x.py"), src)
    assert (s.line, s.applies_to, s.codes, s.reason) == (2, 2, ("AG401",), "reason")


def test_ignore_file_prefix_words_are_not_confused():
    assert parse(PurePosixPath("x.py"), "# alembic-guard: ignored[AG1]\n") == []


# ------------------------------------------------------------------ files other than revisions
def _project_with(tmp_path, files: dict[str, str]):
    from alembic_guard import settings as settings_mod
    from alembic_guard.project import Project

    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "migrations" / "env.py").write_text("target_metadata = None\n")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return Project.load(settings_mod.load(tmp_path))


def _fake_rule(path: str, line: int):
    from alembic_guard.findings import Location
    from alembic_guard.rules._registry import project_rule

    @project_rule("AG101", "fake-models-problem")
    def fake(project):
        """Fake."""
        yield fake.finding("problem", at=Location(PurePosixPath(path), line))

    return fake


def test_suppressions_in_any_python_file_a_finding_points_at(tmp_path):
    from alembic_guard import engine, rules

    project = _project_with(tmp_path, {"app/models.py": "x = 1\ny = 2  # alembic-guard: ignore[AG101] known\n"})
    meta = [r for r in rules.ALL_RULES if r.code in ("AG001", "AG002")]
    report = engine.run(project, [_fake_rule("app/models.py", 2), *meta])
    assert report.findings == ()
    report = engine.run(project, [_fake_rule("app/models.py", 1), *meta])
    assert [(f.code, f.location.line) for f in report.findings] == [("AG101", 1), ("AG001", 2)]


def test_registered_sources_with_string_or_absolute_keys(tmp_path):
    from alembic_guard import engine

    project = _project_with(tmp_path, {})
    src = "a = 1  # alembic-guard: ignore[AG101] registered by an analysis\n"
    for key in ("svc/db.py", str(tmp_path / "svc" / "db.py")):
        project._cache["suppression_sources"] = {key: src}  # the file need not exist on disk
        assert engine.run(project, [_fake_rule("svc/db.py", 1)]).findings == ()


def test_unknown_code_hint_suggests_the_near_code():
    from alembic_guard.testing import check_source

    (f,) = check_source('revision = "a1"  # alembic-guard: ignore[AG1O1] typo\ndown_revision = None\n', "AG002")
    assert f.hint.startswith("did you mean `AG101`?")
