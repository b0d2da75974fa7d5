"""Issue 12: every Alembic environment below a folder, each analysed and reported on its own.

The layouts are minimal reproductions of real projects' (no real project's code):
`sample_projects/discovery_monorepo` holds one of each (its `check` output is golden, in
tests/test_projects.py); `graph`'s golden output is tests/project/golden/discovery_graph.text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from alembic_guard.cli import main
from alembic_guard.project import environments
from alembic_guard.project.discover import discover
from alembic_guard.settings import load

ROOT = Path(__file__).resolve().parents[2]
MONO = ROOT / "sample_projects" / "discovery_monorepo"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def _capsys(capsys):
    global CAPSYS
    CAPSYS = capsys


def run(*args) -> tuple[int, str]:
    """The CLI as a user runs it (GuardError -> exit 2): exit code, stdout + stderr."""
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = CAPSYS.readouterr()
    return exc.value.code or 0, out + err


def labels(path: Path) -> list[str]:
    return [e.label for e in discover(path).environments]


def test_every_layout_is_found_and_vendored_folders_are_not():
    assert labels(MONO) == [
        "services/billing/src/billing/alembic.ini [core]",
        "services/billing/src/billing/alembic.ini [tenant]",
        "services/events/src/events/server/database/alembic.ini (versions/postgresql)",
        "services/events/src/events/server/database/alembic.ini (versions/sqlite)",
        "services/images/images/db/alembic_migrations/alembic.ini",
        "services/legacy/legacy/migrations/alembic.ini",
        "services/releases/releases/migration/alembic.ini",
        "services/toml/pyproject.toml [tool.alembic]",
        "services/hub/hub/alembic",
        "services/storage/storage/sqlite_store/migrations",
    ]


def test_template_ini_is_listed_as_ignored_with_its_reason():
    found = discover(MONO)
    assert [w for w, _ in found.ignored] == ["services/hub/hub/alembic.ini [alembic]"]
    hub = next(e for e in found.environments if e.label == "services/hub/hub/alembic")
    assert any("{alembic_dir}" in n and "template" in n for n in hub.notes)


def test_package_style_locations_resolve_from_the_package_chain_and_src():
    envs = {e.label: e for e in discover(MONO).environments}
    core = envs["services/billing/src/billing/alembic.ini [core]"]
    assert core.layout.script_location == (MONO / "services/billing/src/billing/db/core").absolute()
    assert core.flags == "-c services/billing/src/billing/alembic.ini -n core"
    events = envs["services/events/src/events/server/database/alembic.ini (versions/sqlite)"]
    assert events.layout.script_location == (MONO / "services/events/src/events/server/database/_migrations").absolute()


def test_graph_golden(request):
    code, out = run("graph", MONO)
    assert code == 0, out
    out = out.replace(str(MONO), "<ROOT>")
    golden = GOLDEN / "discovery_graph.text"
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_check_json_lists_each_environment_with_heads_and_dialect():
    code, out = run("check", MONO, "--select", "AG004,AG101", "--format", "json", "--no-cache")
    assert code == 0, out
    envs = {e["label"]: e for e in json.loads(out)["environments"]}
    assert len(envs) == 10
    images = envs["services/images/images/db/alembic_migrations/alembic.ini"]
    # labels from `migration.EXPAND_BRANCH` (module.NAME on an imported project module): two
    # labelled heads, no AG004 (unresolved header) and no AG101 (several heads)
    assert images["heads"] == ["r1_contract01", "r1_expand01"]
    assert images["summary"]["total"] == 0
    assert images["ini"] == "services/images/images/db/alembic_migrations/alembic.ini"
    assert images["section"] == "alembic"
    core = envs["services/billing/src/billing/alembic.ini [core]"]
    assert core["version_locations"] == ["services/billing/src/billing/db/core/versions"]
    assert (core["dialect"], core["dialect_reason"]) == ("postgresql", "the project's declared postgresql driver (pyproject / requirements)")
    assert core["app_root"] == "services/billing/src/billing"


def test_dialect_evidence_beats_placeholder_urls():
    envs = {e["label"]: e for e in json.loads(run("check", MONO, "--select", "AG1", "--format", "json", "--no-cache")[1])["environments"]}
    # `driver://user:pass@localhost/dbname` (billing) and `sqlite:///will/be/overridden` (events)
    # decide nothing: the declared driver and the per-dialect folders do
    assert envs["services/billing/src/billing/alembic.ini [tenant]"]["dialect"] == "postgresql"
    assert envs["services/events/src/events/server/database/alembic.ini (versions/postgresql)"]["dialect"] == "postgresql"
    assert envs["services/events/src/events/server/database/alembic.ini (versions/sqlite)"]["dialect"] == "sqlite"
    assert envs["services/legacy/legacy/migrations/alembic.ini"]["dialect_reason"] == "a database URL in env.py"
    toml = envs["services/toml/pyproject.toml [tool.alembic]"]
    assert toml["dialect"] is None and toml["dialect_reason"].startswith("no --dialect")


def test_placeholder_url_alone_is_a_loud_unknown(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/toml", project)
    (project / "alembic.ini").write_text("[alembic]\nscript_location = migrations\nsqlalchemy.url = driver://user:pass@localhost/dbname\n")
    code, out = run("check", project, "--select", "AG4", "--no-cache")
    assert "dialect unknown (alembic.ini's sqlalchemy.url `driver://user:***@localhost/dbname` is a placeholder" in out, out
    assert "pass --dialect" in out


def test_sqlite_url_in_a_postgresql_project_does_not_decide(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/toml", project)
    (project / "alembic.ini").write_text("[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n")
    (project / "requirements.txt").write_text("sqlalchemy>=2\nasyncpg==0.29\n")
    [env] = environments(load(project))
    from alembic_guard.project import Project

    p = Project.load(load(project), env.layout)
    assert (p.dialect, p.dialect_reason) == ("postgresql", "the project's declared postgresql driver (pyproject / requirements)")


def test_application_root_follows_env_py_wherever_the_ini_sits():
    envs = {e.label: e for e in discover(MONO).environments}
    from alembic_guard.project import Project

    def app(label: str) -> str:
        project = Project.load(load(MONO), envs[label].layout)
        return project.relpath(project.app_root).as_posix()

    assert app("services/billing/src/billing/alembic.ini [tenant]") == "services/billing/src/billing"
    assert app("services/images/images/db/alembic_migrations/alembic.ini") == "services/images/images"
    # Flask-Migrate's current_app env.py, ini inside the migrations folder: the project (setup.py)
    assert app("services/legacy/legacy/migrations/alembic.ini") == "services/legacy"


def test_models_app_path_that_does_not_exist_is_exit_2():
    code, out = run("models", MONO / "services/legacy", "--app-path", "/nonexistent")
    assert code == 2, out
    assert "--app-path /nonexistent: no such file or folder" in out


def test_models_per_environment_reads_the_right_application():
    code, out = run("models", MONO / "services/billing", "--format", "json")
    assert code == 0, out
    docs = json.loads(out)["environments"]
    assert [d["label"] for d in docs] == ["src/billing/alembic.ini [core]", "src/billing/alembic.ini [tenant]"]
    assert all([m["name"] for m in d["result"]["models"]] == ["Invoice"] for d in docs), docs


def test_a_command_needing_one_environment_lists_them_with_flags():
    code, out = run("merge-heads", MONO / "services/billing", "--dry-run")
    assert code == 2, out
    assert "2 Alembic environments below" in out
    assert "-c src/billing/alembic.ini -n core" in out and "-c src/billing/alembic.ini -n tenant" in out


def test_name_selects_a_section_of_a_discovered_ini():
    code, out = run("graph", MONO / "services/billing", "-n", "tenant")
    assert code == 0, out
    assert out.startswith("2 revisions"), out  # one environment: printed as before, no heading


def test_chained_release_folders_are_one_history_with_an_info_finding():
    code, out = run("check", MONO / "services/releases", "--select", "AG0,AG1", "--format", "json", "--no-cache")
    doc = json.loads(out)
    [env] = doc["environments"]
    assert env["revisions"] == 4 and env["recursive_version_locations"] is True
    assert env["heads"] == ["e2", "k2"]  # one per branch label: not an AG101
    [finding] = doc["findings"]
    assert (finding["code"], finding["severity"]) == ("AG005", "info")
    assert "project's own tooling" in finding["message"]


def test_sub_folders_without_tooling_stay_an_ag005_warning(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/releases", project)
    (project / "releases/migration/cli.py").unlink()  # nothing in the project sets version_locations
    code, out = run("check", project, "--select", "AG005", "--format", "json", "--no-cache")
    findings = json.loads(out)["findings"]
    assert {f["severity"] for f in findings} == {"warning"} and len(findings) == 2
    assert all("recursive_version_locations = true" in f["hint"] for f in findings)


def test_independent_histories_hint_warns_against_recursion(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/events", project)
    ini = project / "src/events/server/database/alembic.ini"
    code, out = run("check", project, "-c", ini, "--select", "AG005", "--format", "json", "--no-cache")
    doc = json.loads(out)
    # -c selects the ini (paths from its folder); env.py picks one history per dialect: two environments
    assert [e["label"] for e in doc["environments"]] == ["alembic.ini (versions/postgresql)", "alembic.ini (versions/sqlite)"]
    (project / "src/events/server/database/_migrations/env.py").write_text("from alembic import context\n")
    code, out = run("check", project, "-c", ini, "--select", "AG005", "--format", "json", "--no-cache")
    findings = json.loads(out)["findings"]
    assert len(findings) == 2, findings
    assert all("independent histories" in f["hint"] and "do not set recursive_version_locations" in f["hint"] for f in findings)


def test_environments_override_in_pyproject(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/events", project)
    (project / "src/events/server/database/_migrations/env.py").write_text("from alembic import context\n")
    with (project / "pyproject.toml").open("a") as fh:
        fh.write(
            "\n[[tool.alembic-guard.environments]]\nini = 'src/events/server/database/alembic.ini'\n"
            "version-locations = ['src/events/server/database/_migrations/versions/sqlite']\nname = 'sqlite history'\n"
        )
    code, out = run("graph", project, "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["heads"] == ["sq2"], doc  # one environment: the usual document


def test_environments_override_rejects_unknown_keys(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/toml", project)
    with (project / "pyproject.toml").open("a") as fh:
        fh.write("\n[[tool.alembic-guard.environments]]\nscript-location = 'migrations'\nversion-location = ['x']\n")
    code, out = run("graph", project)
    assert code == 2
    assert "unknown key 'version-location'" in out and "did you mean 'version_locations'" in out


def test_session_audit_findings_of_a_shared_application_are_reported_once(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/billing", project)
    (project / "src/billing/service.py").write_text(
        "from sqlalchemy.orm import Session\n\n\ndef leak(engine):\n    session = Session(engine)\n    return session.get(int, 1)\n")
    code, out = run("check", project, "--select", "AG5", "--format", "json", "--no-cache")
    doc = json.loads(out)
    assert len(doc["environments"]) == 2
    keys = [(f["code"], f["location"]["path"], f["location"]["line"]) for f in doc["findings"]]
    assert keys and len(keys) == len(set(keys)), keys


def test_other_environments_migrations_are_not_this_applications(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/billing", project)
    # a model class defined inside a revision file of the tenant environment
    (project / "src/billing/db/tenant/versions/t3_snapshot.py").write_text(
        '"""snapshot"""\nimport sqlalchemy as sa\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n'
        "class Snapshot(Base):\n    __tablename__ = 'snapshot'\n    id = sa.Column(sa.Integer, primary_key=True)\n\n\n"
        'revision = "t3"\ndown_revision = "t2"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\n'
        "def downgrade():\n    pass\n")
    code, out = run("models", project, "--format", "json")
    docs = json.loads(out)["environments"]
    assert [[m["name"] for m in d["result"]["models"]] for d in docs] == [["Invoice"], ["Invoice"]]


def test_app_path_that_does_not_exist_is_exit_2_for_check_too():
    code, out = run("check", MONO / "services/legacy", "--select", "AG1", "--app-path", "nowhere")
    assert code == 2, out
    assert "--app-path nowhere: no such file or folder" in out


def test_ini_inside_the_migrations_folder_selected_with_c_still_reads_the_application(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MONO / "services/legacy", project)
    for given in (project / "legacy/migrations/alembic.ini",):  # PATH is the ini itself
        code, out = run("check", given, "--select", "AG1", "--format", "json", "--no-cache")
        [env] = json.loads(out)["environments"]
        assert env["app_root"] == "../..", env  # the project (setup.py), not the migrations folder


def test_markdown_summary_tables_the_environments():
    code, out = run("check", MONO, "--select", "AG1", "--format", "summary", "--no-cache")
    assert "### Environments (10)" in out, out
    assert "| `services/images/images/db/alembic_migrations/alembic.ini` | 3 | r1_contract01, r1_expand01 | mysql (alembic.ini sqlalchemy.url) | 0 |" in out


def test_script_location_from_a_folder_of_many_projects_reads_only_that_application():
    code, out = run("check", MONO, "--script-location", "services/storage/storage/sqlite_store/migrations",
                    "--select", "AG1", "--format", "json", "--no-cache")
    [env] = json.loads(out)["environments"]
    assert env["app_root"] == "services/storage/storage", env  # the package env.py imports its metadata from


def test_unknown_section_lists_what_was_found():
    code, out = run("graph", MONO / "services/billing", "-n", "tenants")
    assert code == 2, out
    assert "no ini section [tenants]" in out and "-c src/billing/alembic.ini -n tenant" in out


def test_only_unusable_candidates_are_listed_with_their_reasons(tmp_path):
    project = tmp_path / "p"
    (project / "hub").mkdir(parents=True)
    (project / "hub/alembic.ini").write_text("[alembic]\nscript_location = {alembic_dir}\n")
    (project / "bad").mkdir()
    (project / "bad/alembic.ini").write_text("not an ini [\n")
    code, out = run("check", project)
    assert code == 2, out
    assert "no usable Alembic environment below" in out
    assert "hub/alembic.ini [alembic]: script_location '{alembic_dir}' is a template" in out
    assert "bad/alembic.ini" in out and "not a valid ini file" in out


def test_path_below_the_ini_uses_the_ini_section_that_names_the_folder():
    # `check src/billing/db` from inside the project: the env.py folders are the [core] and
    # [tenant] sections of the ini above, with their settings (not bare script locations)
    envs = discover(MONO / "services/billing/src/billing/db").environments
    assert [(e.label, e.flags, e.layout.section) for e in envs] == [
        ("../alembic.ini [core]", "-c ../alembic.ini -n core", "core"),
        ("../alembic.ini [tenant]", "-c ../alembic.ini -n tenant", "tenant"),
    ]
