"""The pre-deploy gate against real PostgreSQL and MariaDB databases in every state.

The gate runs as a role that may only SELECT (created and dropped here), PostgreSQL's own
statistics show no rows written, and the read-only transaction is shown to refuse writes even to a
privileged user."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from alembic_guard.workflows import gate
from alembic_guard.workflows import readonly_db
from alembic_guard.cli import main
from alembic_guard.errors import DatabaseUnavailable
from alembic_guard.settings import load

from deploy_support import BRANCHED, LINEAR, READONLY_PASSWORD


GATE_SCHEMA = json.loads((Path(gate.__file__).with_name("gate.schema.json")).read_text())


def run_gate(capsys, project, url, *args):
    """The gate through the CLI; every JSON document it prints is checked against its schema."""
    import jsonschema

    with pytest.raises(SystemExit) as exc:
        main(["gate", str(project), "--db-url", url, "--format", "json", *args])
    out, err = capsys.readouterr()
    assert READONLY_PASSWORD not in out + err
    data = json.loads(out) if out.strip() else None
    if data is not None:
        jsonschema.validate(data, GATE_SCHEMA)
        assert data["exit_code"] == exc.value.code
    return exc.value.code, data, err


def rev_ids(data):
    return [p["revision"] for p in data["pending"]]


STATES = [
    # (name, rows, status, exit code, pending)
    ("up-to-date", ["rev004"], "up-to-date", 0, []),
    ("behind-by-one", ["rev003"], "behind", 3, ["rev004"]),
    ("behind-by-several", ["rev001"], "behind", 3, ["rev002", "rev003", "rev004"]),
    ("at-base", [], "behind", 3, ["rev001", "rev002", "rev003", "rev004"]),
    ("unknown-revision", ["fffffff00000"], "unknown-revision", 4, ["rev001", "rev002", "rev003", "rev004"]),
    ("never-migrated", None, "not-migrated", 5, ["rev001", "rev002", "rev003", "rev004"]),
]


@pytest.mark.parametrize("name,rows,status,code,pending", STATES, ids=[s[0] for s in STATES])
def test_linear_states(target, project_factory, capsys, name, rows, status, code, pending):
    project = project_factory(LINEAR)
    target.set_state(rows)
    before = target.write_counters(expect_inserted=len(rows)) if rows is not None else None
    exit_code, data, err = run_gate(capsys, project, target.url)
    assert (exit_code, data["status"]) == (code, status), err
    assert data["database"]["dialect"] == target.dialect
    assert data["database"]["version_table_exists"] is (rows is not None)
    assert data["database"]["revisions"] == sorted(rows or [])
    assert rev_ids(data) == pending
    assert data["code"]["heads"] == ["rev004"]
    assert READONLY_PASSWORD not in json.dumps(data) and ":***@" in data["database"]["url"]
    if status == "behind":
        assert [p["message"] for p in data["pending"]][-1] == "add phone"
        assert data["pending"][-1]["path"] == "migrations/versions/rev004_add_phone.py"
    if status == "unknown-revision":
        (branch,) = data["branches"]
        assert branch == {**branch, "db_revision": "fffffff00000", "status": "unknown"}
    if rows is not None:
        assert target.rows() == sorted(rows)  # untouched
        assert target.write_counters() == (before or ())


def test_behind_allowed_when_pipeline_migrates_next(target, project_factory, capsys):
    project = project_factory(LINEAR)
    target.set_state(["rev002"])
    exit_code, data, _ = run_gate(capsys, project, target.url, "--allow-pending")
    assert exit_code == 0 and data["status"] == "behind" and data["outcome"] == "up-to-date"
    assert rev_ids(data) == ["rev003", "rev004"]


def test_never_migrated_allowed_for_first_deploy(target, project_factory, capsys):
    project = project_factory(LINEAR)
    target.set_state(None)
    exit_code, data, _ = run_gate(capsys, project, target.url, "--allow-empty")
    assert (exit_code, data["status"], data["outcome"]) == (0, "not-migrated", "up-to-date")


def test_branched_database_per_branch(target, project_factory, capsys):
    project = project_factory(BRANCHED)
    target.set_state(["con001", "exp002"])
    exit_code, data, _ = run_gate(capsys, project, target.url)
    assert (exit_code, data["status"]) == (0, "up-to-date")
    assert {b["db_revision"]: b["status"] for b in data["branches"]} == {"con001": "current", "exp002": "current"}

    target.set_state(["con001", "exp001"])
    exit_code, data, _ = run_gate(capsys, project, target.url)
    assert (exit_code, data["status"]) == (3, "behind")
    branches = {b["db_revision"]: b for b in data["branches"]}
    assert branches["exp001"]["status"] == "behind" and branches["exp001"]["pending"] == ["exp002"]
    assert branches["exp001"]["branch_labels"] == ["expand"]
    assert branches["con001"]["status"] == "current" and branches["con001"]["branch_labels"] == ["contract"]
    assert rev_ids(data) == ["exp002"]

    # one branch applied, the other never: the whole contract branch is pending
    target.set_state(["exp002"])
    exit_code, data, _ = run_gate(capsys, project, target.url)
    assert (exit_code, rev_ids(data)) == (3, ["con001"])

    # one row the code does not know: named, the known branch still reported
    target.set_state(["con001", "exp999"])
    exit_code, data, _ = run_gate(capsys, project, target.url)
    assert (exit_code, data["status"]) == (4, "unknown-revision")
    assert {b["db_revision"]: b["status"] for b in data["branches"]} == {"con001": "current", "exp999": "unknown"}


def test_custom_version_table_read_from_env_py(target, project_factory, capsys):
    project = project_factory(LINEAR, version_table="schema_versions", version_table_schema=target.schema)
    target.set_state(["rev004"], table="schema_versions", schema=target.schema)
    target.set_state(["rev001"])  # a decoy in the default table: must not be read
    exit_code, data, err = run_gate(capsys, project, target.url)
    assert (exit_code, data["status"]) == (0, "up-to-date"), err
    assert data["database"]["version_table"] == f"{target.schema}.schema_versions"
    assert data["database"]["version_table_source"].startswith("migrations/env.py:")


def test_version_table_flags_override(target, project_factory, capsys):
    project = project_factory(LINEAR)
    target.set_state(["rev003"], table="custom_versions", schema=target.schema)
    exit_code, data, _ = run_gate(capsys, project, target.url, "--version-table", "custom_versions", "--version-table-schema", target.schema)
    assert (exit_code, rev_ids(data)) == (3, ["rev004"])
    assert data["database"]["version_table_source"] == "command line"


def test_pending_revisions_are_linted_and_block(target, samples, tmp_path, capsys):
    project = tmp_path / "two_heads"
    shutil.copytree(samples / "two_heads", project)
    target.set_state(["aaaaaaaaaaaa"])
    exit_code, data, _ = run_gate(capsys, project, target.url, "--allow-pending")
    assert exit_code == 1 and data["outcome"] == "blocked"
    assert rev_ids(data) == ["bbbbbbbbbbbb", "cccccccccccc"]
    assert [f["code"] for f in data["findings"]] == ["AG101"]
    # below the threshold: allowed
    exit_code, data, _ = run_gate(capsys, project, target.url, "--allow-pending", "--ignore", "AG101")
    assert exit_code == 0 and data["findings"] == []


def test_text_output_names_everything(target, project_factory, capsys):
    project = project_factory(LINEAR)
    target.set_state(["rev002"])
    with pytest.raises(SystemExit) as exc:
        main(["gate", str(project), "--db-url", target.url])
    out, err = capsys.readouterr()
    assert exc.value.code == 3
    assert "rev002: behind by 2" in out
    assert "rev003  add email  [migrations/versions/rev003_add_email.py]" in out
    assert "gate: behind (exit 3)" in out
    assert READONLY_PASSWORD not in out + err and ":***@" in out


def test_readonly_transaction_refuses_writes_even_for_admin(target):
    """The mechanism, not only the privileges: through the gate's connection even a user who may
    write cannot."""
    import sqlalchemy as sa

    target.set_state(["rev001"])
    with gate.readonly_connection(target.admin_db_url) as conn:
        with pytest.raises(sa.exc.DBAPIError) as exc:
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('rev002')")
    assert "read-only" in str(exc.value).lower() or "read only" in str(exc.value).lower()
    assert target.rows() == ["rev001"]


def test_unreachable_database_is_exit_2_and_masked(project_factory, capsys):
    project = project_factory(LINEAR)
    url = f"postgresql://someone:{READONLY_PASSWORD}@127.0.0.1:1/nowhere"
    with pytest.raises(SystemExit) as exc:
        main(["gate", str(project), "--db-url", url])
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert "cannot connect" in err and "someone:***@127.0.0.1:1" in err
    assert READONLY_PASSWORD not in out + err and "Traceback" not in err


def test_unreadable_version_table_says_grant(pg_target, project_factory, capsys):
    target = pg_target
    project = project_factory(LINEAR)
    target.set_state(["rev001"])
    with target.db_admin.connect() as c:
        c.exec_driver_sql(f'REVOKE SELECT ON alembic_version FROM "{target.role}"')
    with pytest.raises(SystemExit) as exc:
        main(["gate", str(project), "--db-url", target.url])
    _, err = capsys.readouterr()
    assert exc.value.code == 2 and "GRANT SELECT" in err and READONLY_PASSWORD not in err


def test_unknown_revision_is_traced_in_git(pg_target, project_factory, capsys):
    target = pg_target
    project = project_factory(LINEAR)

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=project, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "four revisions")
    (project / "migrations" / "versions" / "rev004_add_phone.py").unlink()
    git("commit", "-qam", "drop rev004 by mistake")
    target.set_state(["rev004"])
    exit_code, data, _ = run_gate(capsys, project, target.url)
    assert exit_code == 4
    (branch,) = data["branches"]
    assert branch["status"] == "unknown"
    assert any("drop rev004 by mistake" in h or "four revisions" in h for h in branch["git_history"])
    assert any("main" in h for h in branch["git_history"])


def test_sql_preview_runs_alembic_offline(pg_target, project_factory, capsys):
    target = pg_target
    project = project_factory(LINEAR)
    target.set_state(["rev002"])
    exit_code, data, err = run_gate(capsys, project, target.url, "--sql")
    assert exit_code == 3, err
    sql = data["sql"]
    assert "ALTER TABLE account ADD COLUMN c_rev003 TEXT" in sql and "c_rev004" in sql
    assert "c_rev002" not in sql
    assert READONLY_PASSWORD not in sql
    assert target.rows() == ["rev002"]


def test_non_literal_version_table_is_noted(project_factory):
    project = project_factory(LINEAR)
    env = project / "migrations" / "env.py"
    env.write_text(env.read_text().replace("literal_binds=True, ", "literal_binds=True, version_table=OPTIONS.get('t', 'v'), "))
    table = gate.version_table_from_env(gate.Project.load(load(project)))
    assert table.name == "alembic_version"
    assert table.notes and "--version-table" in table.notes[0]


def test_sqlite_file_opened_read_only(tmp_path, project_factory, capsys):
    import sqlite3

    project = project_factory(LINEAR)
    db = tmp_path / "app.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    con.execute("INSERT INTO alembic_version VALUES ('rev004')")
    con.commit()
    con.close()
    mtime = db.stat().st_mtime_ns
    exit_code, data, _ = run_gate(capsys, project, f"sqlite:///{db}")
    assert (exit_code, data["status"]) == (0, "up-to-date")
    with gate.readonly_connection(f"sqlite:///{db}") as conn:
        with pytest.raises(Exception, match="readonly"):
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('x')")
    assert db.stat().st_mtime_ns == mtime
    with pytest.raises(DatabaseUnavailable):
        gate.read_state(f"sqlite:///{tmp_path / 'missing.db'}", gate.VersionTable())


@pytest.mark.parametrize("url,expected", [
    ("postgresql+asyncpg://u:p@h/db", "postgresql+psycopg2://u:p@h/db"),
    ("mysql+aiomysql://u@h/db", "mysql+pymysql://u@h/db"),
    ("sqlite+aiosqlite:///x.db", "sqlite:///x.db"),
    ("postgresql://u@h/db", "postgresql://u@h/db"),
])
def test_async_urls_are_read_with_a_sync_driver(url, expected):
    assert readonly_db._sync_url(url) == expected


def test_bare_postgresql_url_uses_an_installed_driver():
    engine = gate.readonly_engine("postgresql://u:secret@127.0.0.1:1/db")
    try:
        assert engine.dialect.driver in ("psycopg2", "psycopg")
    finally:
        engine.dispose()


def test_bad_url_is_a_clear_error():
    from alembic_guard.errors import GuardError

    with pytest.raises(GuardError, match="not a database URL"):
        gate.readonly_engine("not a url at all")


def test_sql_preview_of_a_branched_database_says_what_it_misses(pg_target, project_factory, capsys):
    project = project_factory(BRANCHED)
    pg_target.set_state(["exp001"])
    exit_code, data, err = run_gate(capsys, project, pg_target.url, "--sql")
    assert exit_code == 3, err
    assert "alembic upgrade exp001:exp002 --sql" in data["sql"] and "c_exp002" in data["sql"]
    assert any("does not cover con001" in n for n in data["notes"])


def test_round_trip_settings_never_reach_the_gate(pg_target, project_factory, capsys):
    """pyproject cannot enable round trips or imports (settings.NOT_FROM_PROJECT): the gate
    refuses such a file with exit 2 naming the setting, and inspects nothing."""
    project = project_factory(LINEAR)
    (project / "pyproject.toml").write_text(
        '[tool.alembic-guard]\ndb-url = "postgresql://postgres@127.0.0.1:1/never"\nallow-import = true\n'
    )
    pg_target.set_state(["rev003"])
    exit_code, data, err = run_gate(capsys, project, pg_target.url)
    assert exit_code == 2 and data is None, err
    assert "db-url" in err and "cannot be set" in err and "Traceback" not in err
    (project / "pyproject.toml").write_text('[tool.alembic-guard]\nselect = ["AG1"]\n')
    exit_code, data, err = run_gate(capsys, project, pg_target.url)
    assert (exit_code, rev_ids(data)) == (3, ["rev004"]), err
