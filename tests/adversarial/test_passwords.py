"""Passwords never printed (issue 17.3): every password form, with every command (found from the
click group) and every format, never appears in stdout, stderr or a report file (-o, --also).

The URL reaches each command every way it can: on the command line (--db-url, for the commands
that take one, `check` included, so a real round trip or connection attempt runs), in every
database environment variable, in alembic.ini's sqlalchemy.url, inside a revision file's SQL, and,
for merge-reports, inside an input report. The server is the real PostgreSQL (trust auth: any
password is accepted, so success paths print the URL too) or MariaDB (the wrong password fails).

Runs are in-process through `cli.main` (the same stdout/stderr masking as the console script);
`test_console_script_masks_too` repeats a sample through the real entry point.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_guard import masking
from alembic_guard.masking import MASK, MaskingStream, mask_secrets, mask_url, register_secrets

from .conftest import DB_ENV_VARS, PASSWORD_FORMS, SPEC_IDS, SPECS, PasswordForm, db_env, run_inprocess, run_subprocess

FORM_IDS = [f.id for f in PASSWORD_FORMS]
REVISION_WITH_URL = '''"""link to the reporting server

Revision ID: dddddddddddd
Revises: bbbbbbbbbbbb
"""
from alembic import op

revision = "dddddddddddd"
down_revision = "bbbbbbbbbbbb"
branch_labels = None
depends_on = None


def upgrade():
    op.execute({sql!r})


def downgrade():
    op.execute("SELECT 1")
'''


@pytest.fixture(autouse=True)
def _no_leftover_secrets():
    masking.forget_secrets()
    yield
    masking.forget_secrets()


@pytest.fixture(scope="module")
def server(request) -> tuple[str, int]:
    url = sa.engine.make_url(request.getfixturevalue("pg_admin_url"))
    return url.host or "127.0.0.1", url.port or 5432


def _project_with(base: Path, url: str) -> Path:
    """The healthy sample with `url` in alembic.ini and in a revision's SQL."""
    ini = base / "alembic.ini"
    text = ini.read_text()
    ini.write_text(text.replace("sqlalchemy.url = postgresql://postgres@127.0.0.1:5432/app",
                                "sqlalchemy.url = " + url.replace("%", "%%")))
    sql = f"SELECT dblink_connect('{url}')"
    (base / "migrations" / "versions" / "dddddddddddd_link.py").write_text(REVISION_WITH_URL.format(sql=sql))
    return base


def _report_with(path: Path, project: Path, url: str) -> str:
    """A check --format json report of `project`, with one more finding that quotes `url`."""
    run = run_inprocess(["check", str(project), "--select", "AG1", "--format", "json", "-o", str(path)])
    assert path.exists(), run.stderr
    data = json.loads(path.read_text())
    finding = {
        "code": "AG301", "severity": "error", "message": f"upgrade failed: could not connect to {url}",
        "location": {"path": "migrations/env.py", "line": None, "column": None, "end_line": None,
                     "end_column": None, "revision": None},
        "hint": f"check {url}", "details": None, "related": [], "fingerprint": "00000000000000aa",
    }
    data["findings"].append(finding)
    path.write_text(json.dumps(data))  # raw: the input file itself holds the password
    return str(path)


def _trace_report_with(path: Path, url: str) -> str:
    """A JSON report whose lock trace holds a statement quoting `url` (as a hand-edited or foreign
    report could: the recorder masks what it stores)."""
    from alembic_guard.trace.model import LockHeld, RevisionTrace, Trace, TracedStatement

    stmt = TracedStatement(f"SELECT dblink_connect('{url}')", line=9, locks=(LockHeld("orders", "ACCESS SHARE"),))
    trace = Trace({"dddddddddddd": RevisionTrace("dddddddddddd", (stmt,))})
    path.write_text(json.dumps({"version": 1, "findings": [], "facts": {"roundtrip": {"trace": trace.to_dict()}}}))
    return str(path)


def _runs(spec, argv: list[str], out_dir: Path) -> list[tuple[str, str, int | None]]:
    """Run `argv` once per format (or once with --also for every format), to stdout and to files.
    Returns (what, text, exit code) for stdout, stderr and every file written."""
    texts: list[tuple[str, str, int | None]] = []

    def one(extra: list[str], files: list[Path]) -> None:
        run = run_inprocess([*argv, *extra])
        texts.append((f"stdout of {extra}", run.stdout, run.code))
        texts.append((f"stderr of {extra}", run.stderr, run.code))
        for f in files:
            if f.exists():
                texts.append((f"file {f.name}", f.read_text(encoding="utf-8", errors="replace"), run.code))

    formats = spec.formats
    if not formats:
        one([], [])
    elif spec.has_also:
        files = [out_dir / f"also.{fmt}" for fmt in formats]
        one(["--format", formats[0], *[a for fmt, f in zip(formats, files) for a in ("--also", f"{fmt}={f}")]], files)
    else:
        for fmt in formats:
            one(["--format", fmt], [])
            if spec.has_output:
                target = out_dir / f"out.{fmt}"
                one(["--format", fmt, "-o", str(target)], [target])
    return texts


@pytest.mark.postgres
@pytest.mark.parametrize("form", PASSWORD_FORMS, ids=FORM_IDS)
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_no_password_in_any_output(spec, form: PasswordForm, server, healthy_project, tmp_path, monkeypatch):
    url = form.url(*server)
    project = _project_with(healthy_project, url)
    for key, value in db_env(url, base={}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ALEMBIC_GUARD_DEBUG", raising=False)
    report = ""
    if spec.name == "merge-reports":
        report = _report_with(tmp_path / "input-report.json", project, url)
    elif spec.name == "trace":
        report = _trace_report_with(tmp_path / "input-report.json", url)
    argv = spec.argv(project, db_url=url, report=report)
    if spec.name == "check":
        argv += ["--db-url", url, "--select", "AG1,AG3,AG4", "--no-cache"]  # a real round trip (or its failure)
    texts = _runs(spec, argv, tmp_path)
    assert texts
    for what, text, code in texts:
        for secret in form.secrets:
            assert secret not in text, f"`{spec.name}` printed the password ({form.id}) in {what}:\n{text}"
        assert "Traceback" not in text, f"{what}:\n{text}"
    everything = "\n".join(t for _, t, _ in texts)
    # check and trace are run statically here (trace reads a report): the URL they show is the report's
    if spec.takes_db_url and spec.name not in ("check", "trace") or spec.name in ("merge-reports", "trace"):
        assert MASK in everything, f"`{spec.name}` never showed the (masked) URL: the test did not exercise masking"


@pytest.mark.postgres
@pytest.mark.parametrize("form", [f for f in PASSWORD_FORMS if f.id in ("space", "at-sign", "malformed-no-colon", "query-password")],
                         ids=lambda f: f.id)
@pytest.mark.parametrize("spec", [s for s in SPECS if s.takes_db_url], ids=lambda s: s.name)
def test_console_script_masks_too(spec, form, server, healthy_project, tmp_path):
    url = form.url(*server)
    project = _project_with(healthy_project, url)
    target = tmp_path / "out.txt"
    argv = spec.argv(project, db_url=url) + ["-o", str(target)]
    if spec.name == "check":
        argv += ["--db-url", url, "--select", "AG3", "--no-cache"]
    run = run_subprocess(argv, env=db_env(url), cwd=tmp_path, timeout=300)
    outputs = [run.stdout, run.stderr, target.read_text() if target.exists() else ""]
    for secret in form.secrets:
        assert all(secret not in o for o in outputs), outputs
    assert "Traceback" not in run.stderr


@pytest.mark.mariadb
def test_driver_error_with_the_url_is_masked(mariadb_admin_url, healthy_project):
    """MariaDB refuses the password: its own error text goes through the same function."""
    url = sa.engine.make_url(mariadb_admin_url).set(password="Drv-S3cret-pw!").render_as_string(hide_password=False)
    for argv in (["pool", str(healthy_project), "--db-url", url], ["gate", str(healthy_project), "--db-url", url]):
        run = run_inprocess(argv)
        assert run.code == 2, (run.stdout, run.stderr)
        assert "Drv-S3cret-pw" not in run.stdout + run.stderr
        assert "Access denied" in run.stderr and MASK in run.stderr


# ---------------------------------------------------------------------- the function itself
@pytest.mark.parametrize("form", PASSWORD_FORMS, ids=FORM_IDS)
def test_mask_url_hides_every_form(form):
    url = form.url("db.example.com", 5432)
    for text in (url, f"cannot connect to {url}: timeout", f'{{"url": "{url}"}}', f"'{url}'"):
        masked = mask_url(url) if text == url else mask_secrets(text)
        assert all(s not in masked for s in form.secrets), masked
        assert MASK in masked
        assert mask_secrets(masked) == masked  # idempotent
    assert "db.example.com" in mask_url(url) or "127.0.0.1" in mask_url(url)  # the host stays readable


@pytest.mark.parametrize("text, expected", [
    ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
    ("postgresql://u:pa ss@h/db", "postgresql://u:***@h/db"),
    ("postgresql://u:p@ss@h/db: refused", "postgresql://u:***@h/db: refused"),
    ("postgresql//user:secret@host/db", "postgresql//user:***@host/db"),
    ("mysql+pymysql:/root:secret@h/x", "mysql+pymysql:/root:***@h/x"),
    ("postgresql://u@h/db?sslmode=x&password=secret&a=b", "postgresql://u@h/db?sslmode=x&password=***&a=b"),
    ("host=h user=u password='pa ss' dbname=x", "host=h user=u password=*** dbname=x"),
    ("a postgresql://u:p1@h1/db and mysql://v:p2@h2/db", "a postgresql://u:***@h1/db and mysql://v:***@h2/db"),
    ('{"url": "postgresql://u:x@h", "who": "a@b"}', '{"url": "postgresql://u:***@h", "who": "a@b"}'),
    # not secrets: left alone
    ("postgresql://user@host:5432/db failed for admin@example.com", "postgresql://user@host:5432/db failed for admin@example.com"),
    ("migrations/versions/a1.py:12:1: AG401 GRANT x TO me@host", "migrations/versions/a1.py:12:1: AG401 GRANT x TO me@host"),
    ("see https://example.com/docs or mail me@x.com", "see https://example.com/docs or mail me@x.com"),
    ('sa.Column("password", sa.String)', 'sa.Column("password", sa.String)'),
])
def test_mask_secrets_examples(text, expected):
    assert mask_secrets(text) == expected


def test_mask_url_of_an_unparseable_value():
    assert mask_url("user:secret@host/db") == "user:***@host/db"
    assert mask_url(None) is None


def test_registered_secrets_are_masked_wherever_a_driver_puts_them():
    register_secrets(["postgresql://u:Pa%40ss-w0rd@h/db", "postgresql://u@h/db?password=Query-pw-1"])
    text = 'could not translate host name "ss-w0rd@h" to address; password Pa@ss-w0rd; Pa%40ss-w0rd; Query-pw-1'
    masked = mask_secrets(text)
    for secret in ("Pa@ss-w0rd", "Pa%40ss-w0rd", "Query-pw-1", "ss-w0rd"):
        assert secret not in masked, masked


def test_short_secrets_are_not_masked_literally():
    register_secrets(["postgresql://u:root@h/db"])
    assert mask_secrets("the root of the tree") == "the root of the tree"
    assert mask_secrets("postgresql://u:root@h/db") == "postgresql://u:***@h/db"


def test_masking_stream_masks_a_url_split_over_writes():
    out = io.StringIO()
    stream = MaskingStream(out)
    stream.write("connecting to postgresql://u:sec")
    stream.write("ret-pw@h/db ...")
    stream.write(" done\nnext line\n")
    stream.write("tail postgresql://u:other-pw@h")
    stream.flush()
    assert "secret-pw" not in out.getvalue() and "other-pw" not in out.getvalue()
    assert out.getvalue() == "connecting to postgresql://u:***@h/db ... done\nnext line\ntail postgresql://u:***@h"
    with pytest.raises(TypeError):
        stream.write(b"bytes")  # like a text stream: click probes with b""


def test_every_database_variable_is_registered(monkeypatch):
    """The CLI registers the passwords of its arguments and of every database variable."""
    for var in DB_ENV_VARS:
        monkeypatch.setenv(var, f"postgresql://u:Env-{var}-pw@h/db")
    run = run_inprocess(["rules", "--format", "text"])
    assert run.code == 0
    from alembic_guard.cli import _guard_output

    _guard_output(["--db-url", "postgresql://u:Arg-S3cret-pw@h/db"])
    try:
        leaked = " ".join(f"Env-{v}-pw" for v in DB_ENV_VARS if v != "ALEMBIC_GUARD_DB")
        assert "-pw" not in mask_secrets(leaked + " Arg-S3cret-pw").replace(MASK, "")
    finally:
        import sys

        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if isinstance(stream, MaskingStream):
                setattr(sys, name, stream._stream)
