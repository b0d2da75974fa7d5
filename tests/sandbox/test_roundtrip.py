"""The round trip (AG3xx) and drift at head (AG203) on the sample projects, for real: PostgreSQL,
MariaDB and SQLite servers/files, the project's own env.py, no mocks.

Each sample's findings are asserted exactly (code, file, revision). Timings are never asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest
from sandbox_helpers import database_names, run_sql

from alembic_guard import api, settings as settings_mod
from alembic_guard.workflows import merge_reports as shards

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
RT = ("AG203", "AG3")


def run(project: Path | str, *, select=RT, **overrides):
    path = project if isinstance(project, Path) else SAMPLES / project
    return api.check(settings_mod.load(path, select=select, **overrides))


def found(report) -> set[tuple[str, str, str | None]]:
    return {(f.code, str(f.location.path), f.location.revision) for f in report.findings}


def steps(report) -> list[tuple[str, str, bool]]:
    return [(s["revision"], s["phase"], s["ok"]) for s in report.facts["roundtrip"]["steps"]]


def leftovers(admin_url: str, before: set[str], pid: int | None = None) -> set[str]:
    """Round-trip databases created since `before` by process `pid` (default: this one) and not
    dropped. Other test runs share the server, so on PostgreSQL the sandbox's database comment
    (which names the creating pid) tells ours apart."""
    pid = os.getpid() if pid is None else pid
    if admin_url.startswith("postgresql"):
        rows = run_sql(admin_url, "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database")
        return {n for n, comment in rows if n not in before and n.startswith("ag_rt_") and f"(pid {pid})" in comment}
    return {n for n in database_names(admin_url) - before if n.startswith("ag_rt_")}


V = "migrations/versions/"


# ------------------------------------------------------------------------------- healthy
@pytest.mark.postgres
def test_healthy_passes_on_postgresql(pg_admin_url):
    before = database_names(pg_admin_url)
    report = run("healthy", db_url=pg_admin_url)
    assert report.findings == ()
    rt = report.facts["roundtrip"]
    assert rt["mode"] == "transaction" and rt["dialect"] == "postgresql"
    assert steps(report) == [(r, p, True) for r in ("aaaaaaaaaaaa", "bbbbbbbbbbbb") for p in ("upgrade", "downgrade", "reupgrade")]
    assert leftovers(pg_admin_url, before) == set()


@pytest.mark.mariadb
def test_healthy_passes_on_mariadb(mariadb_admin_url):
    before = database_names(mariadb_admin_url)
    report = run("healthy", db_url=mariadb_admin_url)
    assert report.findings == ()
    assert report.facts["roundtrip"]["mode"] == "fresh"  # never one transaction on MySQL/MariaDB
    assert len(steps(report)) == 6 and all(ok for _, _, ok in steps(report))
    assert leftovers(mariadb_admin_url, before) == set()


def test_healthy_passes_on_sqlite_with_a_visible_warning():
    report = run("healthy", db="sqlite")
    # healthy is a PostgreSQL project: running it on SQLite must say so (AG300, info)
    assert {(f.code, f.severity.label) for f in report.findings} <= {("AG300", "info")}
    assert all(ok for _, _, ok in steps(report)) and len(steps(report)) == 6


# ------------------------------------------------------------------------------- samples
def test_broken_downgrade_sqlite():
    report = run("broken_downgrade", db="sqlite")
    assert found(report) == {
        ("AG302", V + "bbbbbbbbbbbb_add_user_name.py", "bbbbbbbbbbbb"),
        ("AG305", V + "cccccccccccc_backfill_names.py", "cccccccccccc"),
    }
    ag302 = next(f for f in report.findings if f.code == "AG302")
    assert "nmae" in ag302.message and ag302.location.line == 22  # the failing op.drop_column line
    assert "no such column" in ag302.details
    # the re-upgrade of bbb is skipped (its downgrade failed); ccc is never downgraded (floor)
    assert ("cccccccccccc", "downgrade", True) not in steps(report)
    assert report.facts["roundtrip"]["irreversible"] == {"cccccccccccc": "static"}


@pytest.mark.postgres
def test_broken_downgrade_postgresql(pg_admin_url):
    report = run("broken_downgrade", db_url=pg_admin_url)
    assert {(c, r) for c, _, r in found(report)} == {("AG302", "bbbbbbbbbbbb"), ("AG305", "cccccccccccc")}
    ag302 = next(f for f in report.findings if f.code == "AG302")
    assert "ALTER TABLE user_account DROP COLUMN nmae" in ag302.details
    assert 'column "nmae" of relation "user_account" does not exist' in ag302.details


@pytest.mark.postgres
def test_downgrade_leaves_enum_and_index_behind(pg_admin_url):
    report = run("downgrade_leaves_trace", db_url=pg_admin_url)
    path = V + "bbbbbbbbbbbb_add_user_status.py"
    assert found(report) == {("AG303", path, "bbbbbbbbbbbb"), ("AG304", path, "bbbbbbbbbbbb")}
    trace = next(f for f in report.findings if f.code == "AG303")
    assert "+ enum public.user_status: 'active', 'banned'" in trace.details
    assert "+ index public.ix_user_account_email: CREATE INDEX ix_user_account_email" in trace.details
    reup = next(f for f in report.findings if f.code == "AG304")
    assert 'type "user_status" already exists' in reup.message
    assert "CREATE TYPE user_status AS ENUM" in reup.details


@pytest.mark.postgres
def test_fails_only_with_data(pg_admin_url):
    assert run("fails_with_data", db_url=pg_admin_url).findings == ()
    report = run("fails_with_data", db_url=pg_admin_url, with_data=True)
    assert found(report) == {("AG306", V + "bbbbbbbbbbbb_add_required_name.py", "bbbbbbbbbbbb")}
    f = report.findings[0]
    assert "contains null values" in f.message and "ADD COLUMN name VARCHAR(100) NOT NULL" in f.details
    # the walk went on: ccc (NOT NULL with a server default) passes with rows present
    assert ("cccccccccccc", "upgrade", True) in steps(report)


def test_drift_between_models_and_migrations():
    report = run("drift", db="sqlite")
    assert {(f.code, str(f.location.path), f.location.line) for f in report.findings} == {
        ("AG203", "models.py", 11),  # class User: column phone
        ("AG203", "models.py", 19),  # class AuditLog: table audit_log
    }
    messages = sorted(f.message for f in report.findings)
    assert "table `audit_log` is in the models but not in the database" in messages[0] + messages[1]
    assert any("column `user_account.phone`" in m and "models.User" in m for m in messages)


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_branched_history_with_merge(where, request):
    overrides = {"db": "sqlite"} if where == "sqlite" else {"db_url": request.getfixturevalue("pg_admin_url")}
    report = run("branched_merge", **overrides)
    assert report.findings == ()
    walked = [r for r, p, _ in steps(report) if p == "upgrade"]
    assert walked == ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc", "dddddddddddd", "eeeeeeeeeeee"]
    assert all(ok for _, _, ok in steps(report)) and len(steps(report)) == 15


@pytest.mark.postgres
def test_async_env_py_with_asyncpg(pg_admin_url):
    pytest.importorskip("asyncpg")
    report = run("async_env", db_url=pg_admin_url)
    path = V + "bbbbbbbbbbbb_index_email.py"
    assert found(report) == {("AG303", path, "bbbbbbbbbbbb"), ("AG304", path, "bbbbbbbbbbbb")}
    # the env.py connects by URL itself (asyncpg): Alembic's own transactions, not ours
    assert report.facts["roundtrip"]["mode"] == "fresh"


@pytest.mark.mariadb
def test_mysql_only_project_on_mariadb(mariadb_admin_url):
    report = run("mysql_only", db_url=mariadb_admin_url)
    assert report.findings == ()
    assert len(steps(report)) == 6


@pytest.mark.postgres
def test_mysql_only_project_fails_on_postgresql(pg_admin_url):
    report = run("mysql_only", select=("AG301",), db_url=pg_admin_url)
    assert {(c, r) for c, _, r in found(report)} == {("AG301", "aaaaaaaaaaaa")}
    assert report.facts["roundtrip"]["untested"] == {"bbbbbbbbbbbb": "depends on `aaaaaaaaaaaa`, whose upgrade fails"}


# ------------------------------------------------------------------------------- shards
def test_shards_cover_the_walk_and_merge(tmp_path):
    full = run("branched_merge", db="sqlite")
    docs = []
    for k in (1, 2, 3):
        report = run("branched_merge", db="sqlite", shard=f"{k}/3")
        from alembic_guard.formatters.json import to_dict

        docs.append(json.loads(json.dumps(to_dict(report), default=str)))
    merged = shards.merge(list(reversed(docs)))  # order of the files does not matter
    assert merged["facts"]["roundtrip"]["revisions"] == full.facts["roundtrip"]["revisions"]
    assert [(s["revision"], s["phase"], s["ok"]) for s in merged["facts"]["roundtrip"]["steps"]] == steps(full)
    assert merged["findings"] == []
    with pytest.raises(Exception, match="missing shard"):
        shards.merge(docs[:2])


# ------------------------------------------------------------------------------- edge cases
def _project(tmp_path: Path, base: str, revisions: dict[str, str]) -> Path:
    """A copy of sample `base` with extra revision files (name -> body after the header)."""
    root = tmp_path / base
    shutil.copytree(SAMPLES / base, root, ignore=shutil.ignore_patterns("expected", "*.db", "__pycache__"))
    down = "bbbbbbbbbbbb"
    for i, (rev, body) in enumerate(revisions.items()):
        (root / "migrations/versions" / f"{rev}_extra.py").write_text(
            f'revision = "{rev}"\ndown_revision = "{down}"\nbranch_labels = None\ndepends_on = None\n\n'
            "from alembic import op\nimport sqlalchemy as sa\n\n" + textwrap.dedent(body)
        )
        down = rev
    return root


@pytest.mark.postgres
def test_no_transaction_revisions_fall_back_and_pass(tmp_path, pg_admin_url):
    root = _project(tmp_path, "healthy", {
        "cccccccccccc": """
            def upgrade():
                with op.get_context().autocommit_block():
                    op.create_index("ix_user_email", "user_account", ["email"], postgresql_concurrently=True)

            def downgrade():
                with op.get_context().autocommit_block():
                    op.drop_index("ix_user_email", table_name="user_account", postgresql_concurrently=True)
        """,
    })
    report = run(root, select=("AG3",), db_url=pg_admin_url)
    assert [f.code for f in report.findings] == []
    assert report.facts["roundtrip"]["mode"] == "fresh"


@pytest.mark.postgres
def test_concurrently_outside_autocommit_block_is_a_real_failure(tmp_path, pg_admin_url):
    root = _project(tmp_path, "healthy", {
        "cccccccccccc": """
            def upgrade():
                op.create_index("ix_user_email", "user_account", ["email"], postgresql_concurrently=True)

            def downgrade():
                op.drop_index("ix_user_email", table_name="user_account")
        """,
    })
    before = database_names(pg_admin_url)
    report = run(root, select=("AG3",), db_url=pg_admin_url)
    assert [(f.code, f.location.revision) for f in report.findings] == [("AG301", "cccccccccccc")]
    assert "cannot run inside a transaction block" in report.findings[0].message
    assert leftovers(pg_admin_url, before) == set()


@pytest.mark.postgres
def test_runtime_switch_when_autocommit_is_hidden_from_the_source_scan(tmp_path, pg_admin_url):
    # the helper hides the keyword from the source scan: the AssertionError triggers the switch
    root = _project(tmp_path, "healthy", {
        "cccccccccccc": """
            def _block():
                return getattr(op.get_context(), "autocommit" + "_block")()

            def upgrade():
                with _block():
                    op.execute("SELECT 1")
                op.add_column("user_account", sa.Column("nick", sa.Text()))

            def downgrade():
                op.drop_column("user_account", "nick")
        """,
    })
    report = run(root, select=("AG3",), db_url=pg_admin_url)
    assert report.findings[0].code == "AG300" and "cannot run inside a transaction" in report.findings[0].message
    assert [f.code for f in report.findings] == ["AG300"]
    assert report.facts["roundtrip"]["mode"] == "fresh"
    assert all(ok for _, _, ok in steps(report)) and len(steps(report)) == 9


@pytest.mark.postgres
def test_step_timeout_becomes_a_finding(tmp_path, pg_admin_url):
    root = _project(tmp_path, "healthy", {
        "cccccccccccc": """
            def upgrade():
                op.execute("SELECT pg_sleep(30)")

            def downgrade():
                pass
        """,
    })
    report = run(root, select=("AG3",), db_url=pg_admin_url, step_timeout=0.3)
    assert [(f.code, f.location.revision) for f in report.findings] == [("AG307", "cccccccccccc")]
    assert "statement timeout" in report.findings[0].message


@pytest.mark.mariadb
def test_failure_on_mariadb_rebuilds_and_goes_on(tmp_path, mariadb_admin_url):
    root = _project(tmp_path, "healthy", {
        "cccccccccccc": """
            def upgrade():
                op.add_column("user_account", sa.Column("nick", sa.String(20)))

            def downgrade():
                op.drop_column("user_account", "nik")
        """,
        "dddddddddddd": """
            def upgrade():
                op.create_index("ix_user_nick", "user_account", ["nick"])

            def downgrade():
                op.drop_index("ix_user_nick", table_name="user_account")
        """,
    })
    before = database_names(mariadb_admin_url)
    report = run(root, select=("AG3",), db_url=mariadb_admin_url)
    assert [(f.code, f.location.revision) for f in report.findings] == [("AG302", "cccccccccccc")]
    assert ("dddddddddddd", "reupgrade", True) in steps(report)
    assert leftovers(mariadb_admin_url, before) == set()


@pytest.mark.postgres
def test_env_py_error_is_a_finding_and_passwords_are_masked(tmp_path, pg_admin_url):
    root = _project(tmp_path, "healthy", {})
    env = root / "migrations/env.py"
    env.write_text(env.read_text().replace(
        "target_metadata = Base.metadata",
        'target_metadata = Base.metadata\nraise RuntimeError("cannot reach " + os.environ["DATABASE_URL"])',
    ))
    import sqlalchemy as sa

    url = sa.engine.make_url(pg_admin_url).set(password="s3cr3t-pw").render_as_string(hide_password=False)
    report = run(root, select=("AG3",), db_url=url)  # trust auth: the password is accepted and ignored
    assert [(f.code, str(f.location.path)) for f in report.findings] == [("AG301", "migrations/env.py")]
    text = json.dumps([f.to_dict() for f in report.findings]) + json.dumps(report.facts, default=str)
    assert "cannot reach postgresql" in text and "s3cr3t-pw" not in text


def test_cli_round_trip_exit_code_and_progress(tmp_path):
    from click.testing import CliRunner

    from alembic_guard.cli import cli

    result = CliRunner().invoke(cli, ["check", str(SAMPLES / "broken_downgrade"), "--select", "AG3", "--db", "sqlite",
                                      "--format", "json", "--progress"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert {f["code"] for f in doc["findings"]} == {"AG302", "AG305"}
    assert "[1/3] aaaaaaaaaaaa" in result.stderr


@pytest.mark.embedded
def test_embedded_sandbox_round_trip(pg_bindir):
    report = run("downgrade_leaves_trace", db="embedded")
    assert {(c, r) for c, _, r in found(report)} == {("AG303", "bbbbbbbbbbbb"), ("AG304", "bbbbbbbbbbbb")}
    assert report.facts["roundtrip"]["sandbox"] == "embedded"


@pytest.mark.parametrize("where", ["sqlite", "postgresql", "mariadb"])
def test_seeded_rows_fit_every_table(where, request):
    """--with-data fills every table (FKs, composite keys, MySQL TINYINT/ENUM...) without errors."""
    if where == "sqlite":
        overrides, samples = {"db": "sqlite"}, ["branched_merge"]
    elif where == "postgresql":
        overrides, samples = {"db_url": request.getfixturevalue("pg_admin_url")}, ["branched_merge"]
    else:
        overrides, samples = {"db_url": request.getfixturevalue("mariadb_admin_url")}, ["branched_merge", "mysql_only"]
    for sample in samples:
        report = run(sample, select=("AG3",), with_data=True, **overrides)
        assert [f.code for f in report.findings] == [], sample
        rt = report.facts["roundtrip"]
        assert rt["seed_notes"] == {}, sample  # no table had to stay empty
        assert any(s.get("with_data") for s in rt["steps"])


def test_sqlite_run_of_a_postgresql_project_says_so():
    report = run("healthy", select=("AG300",), db="sqlite")
    assert [f.code for f in report.findings] == ["AG300"]
    assert "postgresql-specific behaviour" in report.findings[0].message


@pytest.mark.parametrize("sample", ["cycle", "missing_parent"])
def test_broken_graph_skips_the_round_trip_instead_of_failing(sample):
    report = run(sample, select=("AG1", "AG3"), db="sqlite")  # AG1 explains the graph problem
    assert any(f.code.startswith("AG1") for f in report.findings)
    assert not any(f.code.startswith("AG3") for f in report.findings)
    skip = next(s for s in report.skipped if "AG301" in s.codes)
    assert "Alembic cannot load the revision files" in skip.reason


def test_env_py_that_cannot_import_is_ag301_at_env_py():
    report = run("sqlmodel_app", select=("AG301",), db="sqlite")
    if report.findings == ():  # sqlmodel installed: nothing to show here
        pytest.skip("sqlmodel is installed")
    assert [(f.code, str(f.location.path)) for f in report.findings] == [("AG301", "migrations/env.py")]
    assert "No module named" in report.findings[0].message


@pytest.mark.postgres
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_interrupted_round_trip_leaves_no_database(tmp_path, pg_admin_url, signame):
    import signal
    import subprocess
    import sys
    import time

    root = _project(tmp_path, "healthy", {
        "cccccccccccc": """
            def upgrade():
                op.execute("SELECT pg_sleep(60)")

            def downgrade():
                pass
        """,
    })
    before = database_names(pg_admin_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "alembic_guard", "check", str(root), "--select", "AG3", "--db-url", pg_admin_url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        created: set[str] = set()
        deadline = time.monotonic() + 30
        while not created and time.monotonic() < deadline:  # wait until the walk is in the sandbox
            created = leftovers(pg_admin_url, before, proc.pid)
            time.sleep(0.1)
        assert created, "the round trip never created its database"
        time.sleep(0.5)  # let it reach the sleeping migration
        proc.send_signal(getattr(signal, signame))
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert leftovers(pg_admin_url, before, proc.pid) == set(), err


def test_merge_reports_command(tmp_path):
    from click.testing import CliRunner

    from alembic_guard.cli import main

    files = []
    for k in (1, 2):
        out = tmp_path / f"shard-{k}.json"
        r = CliRunner().invoke(main_cli(), ["check", str(SAMPLES / "broken_downgrade"), "--select", "AG3", "--db", "sqlite",
                                           "--shard", f"{k}/2", "--format", "json", "-o", str(out)])
        assert r.exit_code in (0, 1), r.output
        files.append(str(out))
    merged = CliRunner().invoke(main_cli(), ["merge-reports", *files, "--format", "text"])
    assert merged.exit_code == 1  # AG302 is an error
    assert "AG302" in merged.stdout and "AG305" in merged.stdout
    doc = CliRunner().invoke(main_cli(), ["merge-reports", *files])
    data = json.loads(doc.stdout)
    assert data["facts"]["roundtrip"]["revisions"] == ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"]
    assert data["summary"]["total"] == 2
    with pytest.raises(SystemExit) as exc:
        main(["merge-reports", files[0]])
    assert exc.value.code == 2  # shard 2/2 missing: an error, not a partial report


def main_cli():
    from alembic_guard.cli import cli

    return cli


def test_env_var_route_for_an_env_py_that_only_reads_the_environment(tmp_path):
    root = _project(tmp_path, "branched_merge", {})  # (no extra revisions)
    (root / "migrations/env.py").write_text(textwrap.dedent('''
        import os
        import sqlalchemy as sa
        from alembic import context

        def run():
            engine = sa.create_engine(os.environ["APP_DB"], poolclass=sa.pool.NullPool)
            with engine.connect() as conn:
                context.configure(connection=conn)
                with context.begin_transaction():
                    context.run_migrations()

        run()
    '''))
    report = run(root, select=("AG3",), db="sqlite", env_vars=("APP_DB",))
    assert report.findings == () and len(steps(report)) == 15
    report = run(root, select=("AG301",), db="sqlite")  # default DATABASE_URL: env.py cannot connect
    assert [(f.code, str(f.location.path)) for f in report.findings] == [("AG301", "migrations/env.py")]
    assert "APP_DB" in report.findings[0].message


@pytest.mark.parametrize("where", ["postgresql", "sqlite"])
def test_migrations_that_read_the_version_table_see_it_up_to_date(tmp_path, where, request):
    # the version table is written lazily during the walk, but never behind a statement that reads it
    root = _project(tmp_path, "healthy", {
        "cccccccccccc": """
            def _check(expected):
                seen = op.get_context().get_current_revision()
                if seen != expected:
                    raise RuntimeError(f"version table says {seen}, expected {expected}")

            def upgrade():
                _check("bbbbbbbbbbbb")
                op.add_column("user_account", sa.Column("nick", sa.Text()))

            def downgrade():
                _check("cccccccccccc")
                op.drop_column("user_account", "nick")
        """,
        "dddddddddddd": """
            def _check(expected):
                seen = op.get_bind().execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
                if seen != expected:
                    raise RuntimeError(f"version table says {seen}, expected {expected}")

            def upgrade():
                _check("cccccccccccc")
                op.add_column("user_account", sa.Column("nick2", sa.Text()))

            def downgrade():
                _check("dddddddddddd")
                op.drop_column("user_account", "nick2")
        """,
    })
    db = {"db_url": request.getfixturevalue("pg_admin_url")} if where == "postgresql" else {"db": "sqlite"}
    report = run(root, select=("AG3",), **db)
    assert [f.code for f in report.findings if f.code != "AG300"] == []
    assert all(ok for _, _, ok in steps(report)) and len(steps(report)) == 12
