"""The round trip reports what really ran (issue 11.4).

- the summary line counts the steps that ran (env.py failing first means none);
- a check that was asked for and could not run is listed as skipped, marked incomplete, and the
  run is not clean (exit 2 when no finding explains it);
- drift at head is computed only when the walk reached head;
- a migration's own exception (`assert` in upgrade()) is that migration's failure (AG301) with
  its message, not a transaction problem (AG300).
Real PostgreSQL, MariaDB and SQLite.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from alembic_guard import api, settings as settings_mod
from alembic_guard.cli import cli

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
HEADER = 'revision = "{rev}"\ndown_revision = "{down}"\nbranch_labels = None\ndepends_on = None\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n'


HEADS = {"healthy": "bbbbbbbbbbbb", "drift": "aaaaaaaaaaaa"}


def project(tmp_path: Path, *bodies: str, sample: str = "healthy") -> Path:
    """The sample, plus revisions c1, c2... after its head, in order."""
    root = tmp_path / sample
    shutil.copytree(SAMPLES / sample, root, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    down = HEADS[sample]
    for i, body in enumerate(bodies, 1):
        rev = f"c{i}"
        (root / f"migrations/versions/{rev}_step.py").write_text(HEADER.format(rev=rev, down=down) + textwrap.dedent(body))
        down = rev
    return root


def where_overrides(where: str, request) -> dict:
    if where == "sqlite":
        return {"db": "sqlite"}
    fixture = "pg_admin_url" if where == "postgresql" else "mariadb_admin_url"
    return {"db_url": request.getfixturevalue(fixture)}


def cli_check(root: Path, *args: str):
    return CliRunner().invoke(cli, ["check", str(root), "--no-cache", *args])


ASSERTING = """
def upgrade():
    op.add_column("user_account", sa.Column("nick", sa.Text()))
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM user_account")).scalar()
    assert count == 3, f"expected the 3 seeded users, found {count}"

def downgrade():
    op.drop_column("user_account", "nick")
"""
BARE_ASSERT = """
def upgrade():
    rows = op.get_bind().execute(sa.text("SELECT count(*) FROM user_account")).scalar()
    assert rows > 0

def downgrade():
    pass
"""
FAILING_SQL = """
def upgrade():
    op.execute("UPDATE no_such_table SET x = 1")

def downgrade():
    pass
"""
ADD_COLUMN = """
def upgrade():
    op.add_column("user_account", sa.Column("nick", sa.Text()))

def downgrade():
    op.drop_column("user_account", "nick")
"""


# ------------------------------------------------------------------ a migration's own exception
@pytest.mark.postgres
@pytest.mark.mariadb
@pytest.mark.parametrize("where", ["postgresql", "mariadb", "sqlite"])
def test_failing_assert_in_upgrade_is_the_migrations_failure(tmp_path, request, where):
    root = project(tmp_path, ASSERTING)
    report = api.check(settings_mod.load(root, select=("AG301", "AG300"), dialect={"mariadb": "mysql"}.get(where, where),
                                         **where_overrides(where, request)))
    assert [(f.code, f.location.revision) for f in report.findings] == [("AG301", "c1")]
    f = report.findings[0]
    assert "AssertionError: expected the 3 seeded users, found 0" in f.message
    assert f.location.line is not None and f.location.path.name == "c1_step.py"
    assert not any("cannot run inside a transaction" in w for w in report.facts["roundtrip"]["warnings"])
    if where == "postgresql":
        assert report.facts["roundtrip"]["mode"] == "transaction"  # no switch to Alembic's transactions


@pytest.mark.postgres
def test_bare_assert_shows_its_source_line(tmp_path, pg_admin_url):
    report = api.check(settings_mod.load(project(tmp_path, BARE_ASSERT), select=("AG3",), db_url=pg_admin_url))
    (f,) = [f for f in report.findings if f.code == "AG301"]
    assert "AssertionError: assert rows > 0" in f.message


# ------------------------------------------------------------------ summary counts what ran
def test_summary_line_after_env_py_failed(tmp_path):
    root = project(tmp_path)
    env = root / "migrations/env.py"
    env.write_text(env.read_text().replace("target_metadata = Base.metadata",
                                           'target_metadata = Base.metadata\nraise RuntimeError("settings not configured")'))
    result = cli_check(root, "--select", "AG3", "--db", "sqlite")
    assert result.exit_code == 1, result.output
    assert "round trip: env.py failed before any revision ran (0 of 2 revisions tested)" in result.output
    assert "upgraded, downgraded and re-upgraded" not in result.output


def test_summary_line_counts_a_walk_that_stopped(tmp_path):
    root = project(tmp_path, FAILING_SQL, ADD_COLUMN)
    result = cli_check(root, "--select", "AG3", "--db", "sqlite")
    assert result.exit_code == 1, result.output
    assert "round trip: 2 of 4 revisions upgraded, 2 downgraded, 2 re-upgraded, 1 not tested" in result.output


def test_summary_line_of_a_full_walk_is_unchanged():
    result = cli_check(SAMPLES / "branched_merge", "--select", "AG3", "--db", "sqlite")
    assert result.exit_code == 0, result.output
    assert "round trip: 5 revisions upgraded, downgraded and re-upgraded in a throwaway sqlite" in result.output


# ------------------------------------------------------------------ drift only at head
@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_drift_only_run_that_cannot_compute_drift_is_not_clean(tmp_path, request, where):
    """`--select AG203` with a failing upgrade (AG301 not selected): never "No findings", exit 2."""
    root = project(tmp_path, FAILING_SQL, sample="drift")
    opts = ["--db", "sqlite"] if where == "sqlite" else ["--db-url", request.getfixturevalue("pg_admin_url")]
    result = cli_check(root, "--select", "AG203", *opts)
    assert result.exit_code == 2, result.output
    assert "skipped AG203: drift at head not computed: not every revision could be applied (missing: c1)" in result.output
    assert "Not clean: no findings, but 1 check could not run (AG203)" in result.output
    assert "No findings" not in result.output
    doc = json.loads(cli_check(root, "--select", "AG203", *opts, "--format", "json").stdout)
    assert doc["skipped"] == [{"codes": ["AG203"], "reason": doc["skipped"][0]["reason"], "incomplete": True}]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads((SAMPLES.parent / "alembic_guard/formatters/report.schema.json").read_text()))
    gh = cli_check(root, "--select", "AG203", *opts, "--format", "github").stdout
    assert gh.startswith("::warning title=alembic-guard%3A skipped checks::skipped AG203")


def test_drift_is_computed_when_the_walk_reaches_head_despite_a_failed_downgrade(tmp_path):
    """A failing downgrade does not stop the walk: the sandbox is rebuilt up to head and drift is
    computed there (the drift sample's models differ from its migrations)."""
    root = project(tmp_path, """
        def upgrade():
            op.create_table("extra", sa.Column("id", sa.Integer, primary_key=True))

        def downgrade():
            op.drop_table("no_such_table")
    """, sample="drift")
    report = api.check(settings_mod.load(root, select=("AG3", "AG203"), db="sqlite"))
    codes = {f.code for f in report.findings}
    assert "AG302" in codes and "AG203" in codes
    assert not any("AG203" in s.codes for s in report.skipped)


def test_missing_target_metadata_is_a_plain_skip_not_an_incomplete_run(tmp_path):
    root = project(tmp_path)
    env = root / "migrations/env.py"
    env.write_text(env.read_text().replace("target_metadata = Base.metadata", "target_metadata = None"))
    report = api.check(settings_mod.load(root, select=("AG3", "AG203"), db="sqlite"))
    skip = next(s for s in report.skipped if "AG203" in s.codes)
    assert "no target_metadata" in skip.reason and not skip.incomplete
    assert [f.code for f in report.findings] == ["AG300"]  # a postgresql project walked on SQLite
    # ... but a run that asked for drift alone and got none is not clean
    result = cli_check(root, "--select", "AG203", "--db", "sqlite")
    assert result.exit_code == 2 and "Not clean" in result.output, result.output


def test_unloadable_history_makes_a_round_trip_only_run_exit_2():
    result = cli_check(SAMPLES / "cycle", "--select", "AG3", "--db", "sqlite")
    assert result.exit_code == 2, result.output
    assert "round trip not run" in result.output and "Not clean" in result.output
