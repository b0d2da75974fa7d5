"""pytest-alembic's example situations, as our own minimal projects, through the real round trip:
each gives the verdict a demanding user expects, and none is a false alarm.

PostgreSQL server (`--db-url`), the embedded cluster (`--db embedded`) and SQLite. The projects are
written by `pta_projects.write_project` (stock env.py importing `models` from the project root).
"""

from __future__ import annotations

import json

import pytest
from pta_projects import CREATE_PLAN, MODELS_PLAN, NEEDS_SEED, write_project

from alembic_guard import api, settings as settings_mod
from alembic_guard.cli import main
from alembic_guard.errors import SettingsError

RT = ("AG3", "AG203")
SQLITE_URL = "sqlite:///app.db"

DOWNGRADE_PASS = """
def upgrade():
    op.add_column("plan", sa.Column("price", sa.Integer))


def downgrade():
    pass
"""

NOOP_BOTH = """
def upgrade():
    pass


def downgrade():
    pass
"""

DOWNGRADE_RAISES = """
def upgrade():
    op.add_column("plan", sa.Column("price", sa.Integer))


def downgrade():
    raise RuntimeError("prices cannot be dropped once invoiced")
"""

DOWNGRADE_NOT_IMPLEMENTED = """
def upgrade():
    op.execute("UPDATE plan SET name = lower(name)")


def downgrade():
    raise NotImplementedError("data migration: restore from backup")
"""


READ_ONLY = """
def upgrade():
    n = op.get_bind().execute(sa.text("SELECT count(*) FROM plan")).scalar()
    assert n >= 0, "plan must be readable"


def downgrade():
    pass
"""

ADD_NOTE = """
def upgrade():
    op.add_column("plan", sa.Column("note", sa.Text))


def downgrade():
    op.drop_column("plan", "note")
"""

SEED = '[tool.alembic-guard.before-revision-data]\nr2 = [{ __tablename__ = "plan", id = 1, name = "free" }]\n'

MODELS_PRICE = MODELS_PLAN + "    price = sa.Column(sa.Integer)\n"

MODELS_PRICE_NOTE = MODELS_PRICE + "    note = sa.Column(sa.Text)\n"


@pytest.fixture(params=["server", "embedded", "sqlite"])
def where(request):
    """Settings overrides that pick one sandbox, and the ini URL that matches its dialect."""
    if request.param == "server":
        return {"db_url": request.getfixturevalue("pg_admin_url")}, "postgresql://postgres@127.0.0.1:5432/app"
    if request.param == "embedded":
        request.getfixturevalue("pg_bindir")
        return {"db": "embedded"}, "postgresql://postgres@127.0.0.1:5432/app"
    return {"db": "sqlite"}, SQLITE_URL


def check(tmp_path, where, revisions, *, pyproject="", models=None, select=RT):
    overrides, url = where
    extra = {"models": models} if models else {}
    root = write_project(tmp_path / "project", revisions, pyproject=pyproject, url=url, **extra)
    return api.check(settings_mod.load(root, select=select, **overrides))


def verdict(report) -> set[tuple[str, str | None]]:
    return {(f.code, f.location.revision) for f in report.findings}


def phases(report) -> set[tuple[str, str, bool]]:
    return {(s["revision"], s["phase"], s["ok"]) for s in report.facts["roundtrip"]["steps"]}


# ---------------------------------------------------------------------- downgrade(): pass
@pytest.mark.postgres
def test_downgrade_pass_leaves_its_column_behind(tmp_path, where):
    report = check(tmp_path, where, [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_PASS)], models=MODELS_PRICE)
    # the trace (AG303, pointing at the empty downgrade) and its consequence: upgrading again
    # fails on the column left behind (AG304), as a redeploy after a rollback would
    assert verdict(report) == {("AG303", "r2"), ("AG304", "r2")}
    trace = next(f for f in report.findings if f.code == "AG303")
    assert "price" in trace.details and "downgrade() is empty" in trace.hint


@pytest.mark.postgres
def test_downgrade_pass_below_the_floor_is_not_a_finding(tmp_path, where):
    report = check(tmp_path, where, [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_PASS), ("add note", ADD_NOTE)],
                   pyproject='[tool.alembic-guard]\nminimum-downgrade-revision = "r2"\n')
    assert verdict(report) - {("AG203", None)} == set()
    # the floor and its ancestor are upgraded only; the revision above it is fully round-tripped
    assert ("r2", "downgrade", True) not in phases(report) and ("r1", "downgrade", True) not in phases(report)
    assert {("r3", "downgrade", True), ("r3", "reupgrade", True)} <= phases(report)
    assert set(report.facts["roundtrip"]["by_config"]) == {"r1", "r2"}


def test_an_empty_upgrade_and_downgrade_is_clean(tmp_path):
    report = check(tmp_path, ({"db": "sqlite"}, SQLITE_URL), [("create plan", CREATE_PLAN), ("nothing", NOOP_BOTH)])
    assert report.findings == ()
    assert ("r2", "downgrade", True) in phases(report)


# ---------------------------------------------------------------------- a downgrade that raises
@pytest.mark.postgres
def test_downgrade_that_raises_fails(tmp_path, where):
    report = check(tmp_path, where, [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_RAISES)], models=MODELS_PRICE)
    assert verdict(report) == {("AG302", "r2")}
    assert "prices cannot be dropped" in report.findings[0].message


@pytest.mark.postgres
def test_downgrade_that_raises_not_implemented_is_a_floor_not_a_failure(tmp_path, where):
    report = check(tmp_path, where, [("create plan", CREATE_PLAN), ("lowercase names", DOWNGRADE_NOT_IMPLEMENTED)])
    assert verdict(report) == {("AG305", "r2")}
    assert report.findings[0].severity.label == "info"


@pytest.mark.postgres
def test_floor_config_silences_a_revision_that_must_not_be_downgraded(tmp_path, where):
    history = [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_RAISES), ("add note", ADD_NOTE)]
    assert verdict(check(tmp_path / "a", where, history, models=MODELS_PRICE_NOTE)) == {("AG302", "r2")}
    report = check(tmp_path / "b", where, history, models=MODELS_PRICE_NOTE,
                   pyproject='[tool.alembic-guard]\nminimum-downgrade-revision = "r2"\n')
    assert report.findings == ()
    assert report.facts["roundtrip"]["by_config"]["r2"].startswith("not downgraded (minimum-downgrade-revision")


# ---------------------------------------------------------------------- data migration needing rows
@pytest.mark.postgres
def test_data_migration_fails_without_seed_and_passes_with_it(tmp_path, where):
    history = [("create plan", CREATE_PLAN), ("fallback plan", NEEDS_SEED)]
    bare = check(tmp_path / "bare", where, history)
    assert verdict(bare) == {("AG301", "r2")}
    assert "No row was found" in bare.findings[0].message
    seeded = check(tmp_path / "seeded", where, history, pyproject=SEED)
    assert verdict(seeded) == {("AG203", None)}  # the models lack fallback_id: a real finding, not the seed's
    assert {("r2", "upgrade", True), ("r2", "downgrade", True), ("r2", "reupgrade", True)} <= phases(seeded)


@pytest.mark.postgres
def test_at_revision_data_is_there_for_the_next_revision(tmp_path, where):
    """Rows configured after r1 feed r2; r1's downgrade drops the table, so they are put back
    after its re-upgrade (table = rows form)."""
    history = [("create plan", CREATE_PLAN), ("fallback plan", NEEDS_SEED)]
    report = check(tmp_path, where, history, select=("AG3",),
                   pyproject='[tool.alembic-guard.at-revision-data.r1]\nplan = { id = 7, name = "free" }\n')
    assert report.findings == ()
    assert ("r1", "downgrade", True) in phases(report)


# ---------------------------------------------------------------------- read-only upgrade, sibling import
@pytest.mark.postgres
def test_read_only_upgrade_that_selects_and_asserts_is_clean(tmp_path, where):
    report = check(tmp_path, where, [("create plan", CREATE_PLAN), ("check plans", READ_ONLY)])
    assert report.findings == ()
    assert {("r2", p, True) for p in ("upgrade", "downgrade", "reupgrade")} <= phases(report)
    assert report.facts["roundtrip"]["warnings"] == []


@pytest.mark.postgres
def test_env_py_importing_a_sibling_module_checks_models(tmp_path, where):
    """env.py does `from models import Base` (prepend_sys_path = .): it runs, and drift at head
    is computed from those models (clean here, one finding when a model column is missing)."""
    clean = check(tmp_path / "a", where, [("create plan", CREATE_PLAN)])
    assert clean.findings == () and not any("AG203" in s.codes for s in clean.skipped)
    drifted = check(tmp_path / "b", where, [("create plan", CREATE_PLAN)], models=MODELS_PRICE)
    assert verdict(drifted) == {("AG203", None)}


# ---------------------------------------------------------------------- skip-revisions, setup-sql
@pytest.mark.postgres
def test_skipped_revision_is_stamped_not_run(tmp_path, where):
    history = [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_RAISES), ("add note", ADD_NOTE)]
    report = check(tmp_path, where, history, models=MODELS_PRICE, pyproject='[tool.alembic-guard]\nskip-revisions = ["r2"]\n')
    assert verdict(report) == set()
    assert report.facts["roundtrip"]["by_config"] == {"r2": "skipped (skip-revisions): stamped, its upgrade and downgrade never ran"}
    assert ("r3", "reupgrade", True) in phases(report)
    assert not any(rev == "r2" for rev, _, _ in phases(report))  # no step reported for what never ran
    # the schema at head lacks r2's column: drift is reported as not computed, never as clean
    assert any("AG203" in s.codes and "skip-revisions" in s.reason for s in report.skipped)


IN_SCHEMA = """
def upgrade():
    op.create_table("invoice", sa.Column("id", sa.Integer, primary_key=True), schema="billing")


def downgrade():
    op.drop_table("invoice", schema="billing")
"""


@pytest.mark.postgres
@pytest.mark.parametrize("form", ['setup-sql = ["CREATE SCHEMA billing"]', 'setup-sql = { postgresql = ["CREATE SCHEMA billing"] }'])
def test_setup_sql_runs_before_the_walk(tmp_path, where, form):
    if where[0].get("db") == "sqlite":
        pytest.skip("schemas are a PostgreSQL feature")
    history = [("create plan", CREATE_PLAN), ("invoice", IN_SCHEMA)]
    bare = check(tmp_path / "bare", where, history, select=("AG3",))
    assert verdict(bare) == {("AG301", "r2")} and "billing" in bare.findings[0].message
    report = check(tmp_path / "setup", where, history, select=("AG3",), pyproject=f"[tool.alembic-guard]\n{form}\n")
    assert report.findings == ()


def test_setup_sql_for_another_dialect_does_not_run(tmp_path):
    report = check(tmp_path, ({"db": "sqlite"}, SQLITE_URL), [("create plan", CREATE_PLAN)], select=("AG3",),
                   pyproject='[tool.alembic-guard]\nsetup-sql = { postgresql = ["CREATE SCHEMA billing"] }\n')
    assert report.findings == ()


# ---------------------------------------------------------------------- bad configuration: exit 2
def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.parametrize("pyproject, key, words", [
    ('[tool.alembic-guard]\nminimum-downgrade-revision = "r9"\n', "minimum-downgrade-revision", "no revision 'r9'"),
    ('[tool.alembic-guard]\nskip-revisions = ["zz"]\n', "skip-revisions", "no revision 'zz'"),
    ('[tool.alembic-guard.before-revision-data]\nr7 = { __tablename__ = "plan", id = 1 }\n', "before-revision-data.r7", "no revision 'r7'"),
    ('[tool.alembic-guard.before-revision-data]\nr2 = { __tablename__ = "plan", idd = 1 }\n', "before-revision-data.r2", "cannot insert into 'plan' before it is upgraded: no column 'idd' (its columns there: id, name)"),
    ('[tool.alembic-guard.at-revision-data.r1]\nplans = { id = 1, name = "x" }\n', "at-revision-data.r1", "cannot insert into 'plans' after it is upgraded: no such table"),
    ('[tool.alembic-guard.at-revision-data]\nr1 = [{ id = 1 }]\n', "at-revision-data.r1", "does not name its table"),
    ('[tool.alembic-guard]\nsetup-sql = ["CREATE SCHEMA"]\n', "setup-sql", "statement 1 failed"),
    ('[tool.alembic-guard]\nsetup-sql = [1]\n', "setup-sql", "must be a list of non-empty SQL strings"),
])
def test_bad_configuration_exits_2_naming_the_key(tmp_path, capsys, pyproject, key, words):
    root = write_project(tmp_path / "p", [("create plan", CREATE_PLAN), ("fallback plan", NEEDS_SEED)],
                         pyproject=pyproject, url=SQLITE_URL)
    code, out, err = cli(capsys, "check", root, "--db", "sqlite", "--select", "AG3")
    assert code == 2, out + err
    assert key in err and words in err and "Traceback" not in err
    assert "pyproject.toml" in err


def test_rows_are_data_never_code():
    with pytest.raises(SettingsError, match="before-revision-data.r1.plan.id"):
        settings_mod.Settings.from_mapping({"before-revision-data": {"r1": {"plan": {"id": object()}}}}, root=tmp_root())


def tmp_root():
    from pathlib import Path

    return Path(".")


def test_round_trip_facts_name_what_the_configuration_left_out(tmp_path, capsys):
    root = write_project(tmp_path / "p", [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_RAISES)],
                         pyproject='[tool.alembic-guard]\nminimum-downgrade-revision = "r2"\n', url=SQLITE_URL)
    code, out, err = cli(capsys, "check", root, "--db", "sqlite", "--select", "AG3", "--format", "json")
    assert code == 0, err
    facts = json.loads(out)["facts"]["roundtrip"]
    assert set(facts["by_config"]) == {"r1", "r2"}


def test_two_projects_in_one_process_each_import_their_own_sibling_models(tmp_path):
    """`prepend_sys_path = .` and `from models import Base`: Python caches the finder of "." with
    the folder current when it was made; the second project must not get the first one's models."""
    sqlite = ({"db": "sqlite"}, SQLITE_URL)
    first = check(tmp_path / "a", sqlite, [("create plan", CREATE_PLAN), ("add price", ADD_NOTE)], models=MODELS_PRICE)
    assert verdict(first) == {("AG203", None)}  # its models have price, its migrations add note
    second = check(tmp_path / "b", sqlite, [("create plan", CREATE_PLAN)])
    assert second.findings == ()


def test_read_only_upgrade_is_clean_under_every_default_rule(tmp_path):
    """Static rules too (AG108 once flagged its `downgrade(): pass`)."""
    overrides, url = {"db": "sqlite"}, SQLITE_URL
    root = write_project(tmp_path / "p", [("create plan", CREATE_PLAN), ("check plans", READ_ONLY)], url=url)
    report = api.check(settings_mod.load(root, **overrides))
    assert report.findings == ()
    assert report.facts["roundtrip"]["revisions"] == ["r1", "r2"]


def test_every_toml_example_of_the_migration_guide_is_valid():
    """docs/pytest-alembic.md: each ```toml block is a valid [tool.alembic-guard] for us."""
    import re
    import tomllib
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "pytest-alembic.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", page, re.S)
    assert len(blocks) >= 5
    keys = set()
    for block in blocks:
        data = tomllib.loads(block)["tool"]["alembic-guard"]
        settings_mod.Settings.from_mapping(data, root=tmp_root())
        keys |= set(data)
    assert {"before-revision-data", "at-revision-data", "minimum-downgrade-revision", "skip-revisions", "setup-sql"} <= keys


@pytest.mark.postgres
def test_seeded_rows_come_back_when_the_walk_recovers_from_a_failure(tmp_path, where):
    """A failing downgrade after the seeded revision: the walk rolls back (PostgreSQL) or rebuilds
    the database (SQLite) and upgrades straight back, inserting the configured rows on the way;
    the revision after it, which needs them too, passes."""
    needs_again = NEEDS_SEED.replace("fallback_id", "second_id")
    history = [("create plan", CREATE_PLAN), ("fallback plan", NEEDS_SEED), ("add price", DOWNGRADE_RAISES),
               ("second fallback", needs_again)]
    report = check(tmp_path, where, history, select=("AG3",), pyproject=SEED)
    assert verdict(report) == {("AG302", "r3")}
    assert {("r4", "upgrade", True), ("r4", "downgrade", True), ("r4", "reupgrade", True)} <= phases(report)
    assert report.facts["roundtrip"]["untested"] == {}


@pytest.mark.mariadb
def test_seed_and_recovery_on_mariadb(tmp_path, mariadb_admin_url):
    """MariaDB commits DDL implicitly: the walk rebuilds its database after a failure, and the
    configured rows go back in on the way up."""
    where = ({"db_url": mariadb_admin_url}, "mysql+pymysql://root@127.0.0.1:3306/app")
    needs_again = NEEDS_SEED.replace("fallback_id", "second_id")
    history = [("create plan", CREATE_PLAN), ("fallback plan", NEEDS_SEED), ("add price", DOWNGRADE_RAISES),
               ("second fallback", needs_again)]
    bare = check(tmp_path / "bare", where, history, select=("AG3",))
    assert verdict(bare) == {("AG301", "r2")}
    report = check(tmp_path / "seeded", where, history, select=("AG3",), pyproject=SEED)
    assert verdict(report) == {("AG302", "r3")}
    assert report.facts["roundtrip"]["mode"] == "fresh" and report.facts["roundtrip"]["untested"] == {}


def test_text_report_says_what_the_configuration_left_out(tmp_path, capsys):
    root = write_project(tmp_path / "p", [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_RAISES), ("add note", ADD_NOTE)],
                         pyproject='[tool.alembic-guard]\nminimum-downgrade-revision = "r2"\nskip-revisions = ["r3"]\n',
                         url=SQLITE_URL)
    code, out, err = cli(capsys, "check", root, "--db", "sqlite", "--select", "AG3")
    assert code == 0, err
    assert ("left out by the configuration: r1, r2 not downgraded (minimum-downgrade-revision = 'r2'); "
            "r3 skipped (skip-revisions)") in out


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["server", "sqlite"])
def test_env_py_importing_a_helper_next_to_it(tmp_path, request, db):
    """env.py does `from migrations.helpers import ...` (a module beside it, reached through
    `prepend_sys_path = .` as the real `alembic upgrade` reaches it): it runs, and no finding."""
    where = ({"db_url": request.getfixturevalue("pg_admin_url")}, "postgresql://postgres@127.0.0.1:5432/app") if db == "server" \
        else ({"db": "sqlite"}, SQLITE_URL)
    overrides, url = where
    root = write_project(tmp_path / "p", [("create plan", CREATE_PLAN)], url=url)
    (root / "migrations" / "helpers.py").write_text("COMPARE_TYPE = True\n")
    env_py = root / "migrations" / "env.py"
    env_py.write_text(env_py.read_text()
                      .replace("from models import Base", "from models import Base\nfrom migrations.helpers import COMPARE_TYPE")
                      .replace("target_metadata=target_metadata)", "target_metadata=target_metadata, compare_type=COMPARE_TYPE)"))
    assert env_py.read_text().count("compare_type=COMPARE_TYPE") == 2
    report = api.check(settings_mod.load(root, select=RT, **overrides))
    assert report.findings == ()
    assert {s["phase"] for s in report.facts["roundtrip"]["steps"]} == {"upgrade", "downgrade", "reupgrade"}


def test_floor_also_silences_the_static_irreversible_downgrade_warning(tmp_path):
    """AG108 flags `downgrade(): pass` statically; a revision at or below the declared floor is
    exempt (also from a cached earlier run without the floor), one above it is not."""
    history = [("create plan", CREATE_PLAN), ("add price", DOWNGRADE_PASS), ("add note", DOWNGRADE_PASS.replace("price", "note"))]
    root = write_project(tmp_path / "p", history, url=SQLITE_URL)
    assert verdict(api.check(settings_mod.load(root, select=("AG108",)))) == {("AG108", "r2"), ("AG108", "r3")}
    (root / "pyproject.toml").write_text('[tool.alembic-guard]\nminimum-downgrade-revision = "r2"\n')
    assert verdict(api.check(settings_mod.load(root, select=("AG108",)))) == {("AG108", "r3")}
    (root / "pyproject.toml").write_text('[tool.alembic-guard]\nminimum-downgrade-revision = "r3"\n')
    assert verdict(api.check(settings_mod.load(root, select=("AG108",)))) == set()
