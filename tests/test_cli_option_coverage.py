"""CLI options no other test exercised (found by a coverage audit): each is run through the real
entry point on a sample project, and its effect is asserted, not just its acceptance."""

from __future__ import annotations

import json
import shutil

import pytest

from alembic_guard.cli import main


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def renamed_section(samples, tmp_path, name, sample):
    """A copy of a sample whose ini section is `[custom]` instead of `[alembic]`."""
    project = tmp_path / name
    shutil.copytree(samples / sample, project)
    ini = project / "alembic.ini"
    text = ini.read_text()
    assert "[alembic]" in text
    ini.write_text(text.replace("[alembic]", "[custom]"))
    return project


def revisions_of(out):
    return {(f["code"], f["location"].get("revision")) for f in json.loads(out)["findings"]}


def test_check_since_reports_only_later_revisions(capsys, samples):
    project = samples / "dangerous_ops_postgres"
    code, out, err = cli(capsys, "check", project, "--format", "json")
    everything = revisions_of(out)
    assert any(rev == "bbbbbbbbbbbb" for _, rev in everything)  # history: aaaa -> bbbb -> ... -> a0a0 (head)
    code, out, err = cli(capsys, "check", project, "--format", "json", "--since", "bbbbbbbbbbbb")
    later = revisions_of(out)
    assert later, err
    assert all(rev not in ("aaaaaaaaaaaa", "bbbbbbbbbbbb") for _, rev in later)
    assert later == {x for x in everything if x[1] not in ("aaaaaaaaaaaa", "bbbbbbbbbbbb")}


def test_check_since_unknown_revision_exits_2(capsys, samples):
    code, out, err = cli(capsys, "check", samples / "dangerous_ops_postgres", "--since", "zzzzzzzz")
    assert code == 2
    assert "zzzzzzzz" in err and "Traceback" not in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_jobs_gives_the_same_findings(capsys, samples, jobs):
    project = samples / "dangerous_ops_postgres"
    _, default, _ = cli(capsys, "check", project, "--format", "json")
    code, out, err = cli(capsys, "check", project, "--format", "json", "--jobs", jobs)
    assert code == 1, err
    assert json.loads(out)["findings"] == json.loads(default)["findings"]


@pytest.mark.parametrize("family, prefix", [("graph", "AG1"), ("operations", "AG4"), ("session", "AG5")])
def test_rules_family_lists_only_that_family(capsys, family, prefix):
    code, out, err = cli(capsys, "rules", "--family", family, "--format", "json")
    assert code == 0, err
    rules = json.loads(out)
    assert rules and all(r["code"].startswith(prefix) and r["family"] == family for r in rules)


def test_graph_output_writes_the_file_not_stdout(capsys, samples, tmp_path):
    _, expected, _ = cli(capsys, "graph", samples / "two_heads", "--format", "json")
    target = tmp_path / "graph.json"
    code, out, err = cli(capsys, "graph", samples / "two_heads", "--format", "json", "-o", target)
    assert code == 0, err
    assert expected.strip() not in out
    assert json.loads(target.read_text()) == json.loads(expected)


def test_models_output_writes_the_file(capsys, samples, tmp_path):
    _, expected, _ = cli(capsys, "models", samples / "models_healthy", "--format", "json")
    target = tmp_path / "models.json"
    code, out, err = cli(capsys, "models", samples / "models_healthy", "--format", "json", "--output", target)
    assert code == 0, err
    assert json.loads(target.read_text()) == json.loads(expected)


@pytest.mark.parametrize(
    "command, sample",
    [(["graph"], "two_heads"), (["models"], "two_heads"), (["merge-heads", "--dry-run"], "two_heads"), (["linear-history", "update"], "healthy")],
)
def test_name_selects_the_ini_section(capsys, samples, tmp_path, command, sample):
    project = renamed_section(samples, tmp_path, "custom_" + command[0], sample)
    code, found, err = cli(capsys, *command, project)
    assert "Traceback" not in err
    code_n, out, err_n = cli(capsys, *command, project, "-n", "custom")
    assert code_n == 0, out + err_n
    if command[0] in ("graph", "models"):
        # issue 12: commands that analyse every environment find the [custom] section by themselves
        assert code == 0 and found == out, found + err
    else:
        assert code == 2, found + err  # no [alembic] section any more


@pytest.mark.parametrize(
    "command, sample",
    [(["graph"], "two_heads"), (["models"], "two_heads"), (["merge-heads", "--dry-run"], "two_heads"), (["linear-history", "update"], "healthy")],
)
def test_script_location_bypasses_the_ini(capsys, samples, tmp_path, command, sample):
    project = tmp_path / "no_ini"
    shutil.copytree(samples / sample, project)
    (project / "alembic.ini").unlink()
    (project / "migrations").rename(project / "db_schema")  # a name the old look-up did not guess
    # issue 12: discovery now finds a folder holding env.py + versions/ whatever its name
    code, out, err = cli(capsys, *command, project)
    assert code == 0, out + err
    (project / "db_schema" / "env.py").rename(project / "db_schema" / "env_impl.py")  # not an Alembic folder any more
    code, out, err = cli(capsys, *command, project)
    assert code == 2, out + err
    (project / "db_schema" / "env_impl.py").rename(project / "db_schema" / "env.py")
    code, out, err = cli(capsys, *command, project, "--script-location", "db_schema")
    assert code == 0, out + err
