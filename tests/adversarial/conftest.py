"""The adversarial suite's shared parts: every command, the traps, the password forms.

Everything here is built so that a NEW COMMAND GETS THESE TESTS FOR FREE: `command_specs()` walks
the click group (sub-groups such as `linear-history` included), so a command added under
`alembic_guard/cli/` is picked up without editing this file. What a command needs on its command
line beyond PATH is in `EXTRA_ARGS`; a command with a required parameter this suite does not know
how to fill fails `test_every_command_can_be_invoked` with a message saying to add it there.

Extension points (other adversarial test files use these; keep one topic per file):

* `command_specs()` / `CommandSpec.argv(...)`: the command line of each command against a project.
* `trapped_project` (fixture): a copy of `sample_projects/booby_trapped` plus more trap vectors
  (`TRAP_FILES`: shadowing modules at the root, a Mako template...). Any of its files that is
  executed writes `EXECUTED-<name>` into `trap_dir` and exits; `executed(trap_dir)` lists them.
* `DB_ENV_VARS` / `db_env()`: every database environment variable alembic-guard (or its pytest
  plug-in) reads, set to a real server's URL.
* `PASSWORD_FORMS`: URLs whose passwords must never be printed, with the strings that must not
  appear.
* `BLOCKING_INPUTS`: inputs that could block a reader (FIFO, character device, symlink to a
  device...). Each entry is `(id, plant)` where `plant(project: Path) -> None` puts the blocking
  file in place in a copy of a healthy project; `blocking_project` (fixture, parametrized over it)
  yields that project. Empty here: the blocking-input cases are added by their own test file.
* `run_subprocess(argv, ...)`: `python -m alembic_guard` with a time bound (a hang is a failure,
  not a stuck test run), and `run_inprocess(argv)` for the fast in-process path.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_projects"
TRAPPED = SAMPLES / "booby_trapped"

# --------------------------------------------------------------------------- commands
# What a command needs besides its PATH argument, by its full name ("linear-history check").
# `{db_url}` is replaced by the URL under test, `{project}` by the project, `{report}` by a JSON
# report of that project (check --format json).
EXTRA_ARGS: dict[str, list[str]] = {
    "gate": ["--db-url", "{db_url}"],
    "pool": ["--db-url", "{db_url}"],
    "rule": ["AG101"],
    "merge-reports": ["{report}"],
    "merge-heads": ["--dry-run"],
    "trace": ["head", "{project}", "--report", "{report}"],  # REV comes before PATH
}
# Commands that take no project: their positional argument (if any) comes from EXTRA_ARGS.
NO_PROJECT = {"rule", "rules", "merge-reports", "trace"}


@dataclass(frozen=True)
class CommandSpec:
    name: str  # "check", "linear-history update"
    command: click.Command

    @property
    def words(self) -> list[str]:
        return self.name.split()

    def _param(self, name: str):
        return next((p for p in self.command.params if p.name == name), None)

    @property
    def formats(self) -> tuple[str, ...]:
        """The built-in values of --format (plug-in formats excluded), default first; () if none."""
        p = self._param("output_format")
        if p is None:
            return ()
        choices = getattr(p.type, "_static", None) or tuple(p.type.choices)
        default = p.default if p.default in choices else choices[0]
        return (default, *[c for c in choices if c != default])

    @property
    def has_output(self) -> bool:
        return self._param("output") is not None

    @property
    def has_also(self) -> bool:
        return self._param("also") is not None

    @property
    def takes_db_url(self) -> bool:
        return self._param("db_url") is not None

    @property
    def takes_project(self) -> bool:
        return self.name not in NO_PROJECT and any(
            isinstance(p, click.Argument) and p.name == "path" for p in self.command.params
        )

    def argv(self, project: Path, *, db_url: str = "", report: str = "") -> list[str]:
        """The static command line of this command against `project` (no --db, --import, --sql)."""
        args = [*self.words]
        if self.takes_project:
            args.append(str(project))
        values = {"db_url": db_url, "project": str(project), "report": report}
        args += [a.format(**values) for a in EXTRA_ARGS.get(self.name, [])]
        return args

    def missing_required(self) -> list[str]:
        """Required parameters EXTRA_ARGS does not fill (for the drift test)."""
        given = " ".join(EXTRA_ARGS.get(self.name, []))
        missing = []
        for p in self.command.params:
            if not p.required:
                continue
            if isinstance(p, click.Argument):
                if not (p.name == "path" and self.takes_project) and "{" not in given and not given:
                    missing.append(p.name)
            elif not any(o in given for o in p.opts):
                missing.append(p.opts[-1])
        return missing


def command_specs() -> list[CommandSpec]:
    """Every leaf command of the CLI, found from the click group (new commands included)."""
    from alembic_guard.cli import cli

    specs: list[CommandSpec] = []

    def walk(group: click.Group, prefix: str) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            full = f"{prefix} {name}".strip()
            if isinstance(cmd, click.Group):
                walk(cmd, full)
            else:
                specs.append(CommandSpec(full, cmd))

    walk(cli, "")
    return specs


SPECS = command_specs()
SPEC_IDS = [s.name.replace(" ", "-") for s in SPECS]


# --------------------------------------------------------------------------- environment
# Every environment variable through which alembic-guard (CLI, API, pytest plug-in, sandboxes)
# could be given a database. test_no_execution.py checks this list against the source.
DB_ENV_VARS = (
    "ALEMBIC_GUARD_DB_URL",
    "ALEMBIC_GUARD_GATE_DB_URL",
    "ALEMBIC_GUARD_DB",  # the pytest plug-in's sandbox choice
    # what CI jobs export for their own tests (env.py / Flask apps read them)
    "DATABASE_URL",
    "SQLALCHEMY_DATABASE_URI",
)


def db_env(url: str, base: dict | None = None) -> dict[str, str]:
    """`base` (default os.environ) with every database variable set to `url`."""
    env = dict(os.environ if base is None else base)
    for var in DB_ENV_VARS:
        env[var] = "embedded" if var == "ALEMBIC_GUARD_DB" else url
    return env


# --------------------------------------------------------------------------- traps
def _trap(name: str) -> str:
    return (
        "import os, pathlib\n"
        f"pathlib.Path(os.environ.get('AG_TRAP_DIR', '/tmp')).joinpath('EXECUTED-{name}').write_text('ran')\n"
        "os._exit(3)\n"
    )


# Trap vectors added to the booby-trapped sample (which already traps env.py, every revision
# file, the models, the app, setup.py and conftest.py): modules at the project root that shadow
# what an interpreter started there would import, and a script template with code in it.
TRAP_FILES: dict[str, str] = {
    "json.py": _trap("json"),
    "pip.py": _trap("pip"),
    "sitecustomize.py": _trap("sitecustomize"),
    "usercustomize.py": _trap("usercustomize"),
    "sqlalchemy.py": _trap("sqlalchemy"),
    "alembic/__init__.py": _trap("alembic_package"),
    "click.py": _trap("click"),
    "migrations/script.py.mako": "<%\n" + "\n".join("    " + line for line in _trap("mako").splitlines()) + "\n%>\n",
    "migrations/versions/__init__.py": _trap("versions_package"),
}


def executed(trap_dir: Path) -> list[str]:
    return sorted(p.name for p in Path(trap_dir).glob("EXECUTED-*"))


@pytest.fixture
def trap_dir(tmp_path) -> Path:
    d = tmp_path / "traps"
    d.mkdir()
    return d


@pytest.fixture
def trapped_project(tmp_path) -> Path:
    """A copy of sample_projects/booby_trapped with TRAP_FILES added."""
    project = tmp_path / "checkout"
    shutil.copytree(TRAPPED, project)
    for rel, text in TRAP_FILES.items():
        target = project / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return project


@pytest.fixture
def healthy_project(tmp_path) -> Path:
    project = tmp_path / "healthy"
    shutil.copytree(SAMPLES / "healthy", project, ignore=shutil.ignore_patterns("expected"))
    return project


# --------------------------------------------------------------------------- blocking inputs
# (id, plant(project)) — see the module docstring. Filled by the blocking-input tests' own file
# (BLOCKING_INPUTS.append(...) at import, or a list of their own passed to the fixture below).
BLOCKING_INPUTS: list[tuple[str, Callable[[Path], None]]] = []


@pytest.fixture
def blocking_project(request, healthy_project) -> Path:
    """Use with `@pytest.mark.parametrize("blocking_project", BLOCKING_INPUTS or [...],
    indirect=True, ids=...)`: a healthy project with one blocking input planted."""
    _id, plant = request.param
    plant(healthy_project)
    return healthy_project


# --------------------------------------------------------------------------- passwords
@dataclass(frozen=True)
class PasswordForm:
    id: str
    template: str  # {host} {port}: a reachable PostgreSQL server (trust auth accepts any password)
    secrets: tuple[str, ...]  # none of these may appear in any output

    def url(self, host: str, port: int) -> str:
        return self.template.format(host=host, port=port)


PASSWORD_FORMS = (
    PasswordForm("plain", "postgresql://postgres:Plain-S3cret-pw@{host}:{port}/postgres", ("Plain-S3cret-pw",)),
    PasswordForm("space", "postgresql://postgres:Sp ace-S3cret-pw@{host}:{port}/postgres", ("Sp ace-S3cret-pw", "ace-S3cret-pw")),
    PasswordForm("at-sign", "postgresql://postgres:At@Sign-S3cret-pw@{host}:{port}/postgres", ("At@Sign-S3cret-pw", "Sign-S3cret-pw")),
    PasswordForm("colon", "postgresql://postgres:Co:lon-S3cret-pw@{host}:{port}/postgres", ("Co:lon-S3cret-pw", "lon-S3cret-pw")),
    PasswordForm("percent-encoded", "postgresql://postgres:Pct%40Enc%3A%20S3cret-pw@{host}:{port}/postgres",
                 ("Pct%40Enc%3A%20S3cret-pw", "Pct@Enc: S3cret-pw", "Enc%3A%20S3cret-pw", "Enc: S3cret-pw")),
    PasswordForm("query-password", "postgresql://postgres@{host}:{port}/postgres?password=Query-S3cret-pw", ("Query-S3cret-pw",)),
    PasswordForm("query-amp-password", "postgresql://postgres@{host}:{port}/postgres?connect_timeout=5&password=Amp-S3cret-pw",
                 ("Amp-S3cret-pw",)),
    PasswordForm("query-sslpassword", "postgresql://postgres@{host}:{port}/postgres?sslmode=disable&sslpassword=SslPw-S3cret-pw",
                 ("SslPw-S3cret-pw",)),
    PasswordForm("query-pwd-token", "postgresql://postgres@{host}:{port}/postgres?pwd=Pwd-S3cret-pw&token=Tok-S3cret-pw",
                 ("Pwd-S3cret-pw", "Tok-S3cret-pw")),
    PasswordForm("malformed-no-colon", "postgresql//postgres:Malformed-S3cret-pw@{host}:{port}/postgres", ("Malformed-S3cret-pw",)),
    PasswordForm("malformed-one-slash", "postgresql:/postgres:OneSlash-S3cret-pw@{host}:{port}/postgres", ("OneSlash-S3cret-pw",)),
    PasswordForm("unreachable", "postgresql://postgres:Unreach-S3cret-pw@127.0.0.1:1/postgres", ("Unreach-S3cret-pw",)),
    PasswordForm("mysql-wrong-password", "mysql+pymysql://root:My-S3cret-pw@127.0.0.1:3306/mysql", ("My-S3cret-pw",)),
)


# --------------------------------------------------------------------------- running
@dataclass
class Run:
    code: int | None
    stdout: str
    stderr: str


def entry_point() -> list[str]:
    """The `alembic-guard` console script beside this interpreter (what users and the Action run),
    else `python -m alembic_guard`."""
    script = Path(sys.executable).parent / "alembic-guard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "alembic_guard"]


def run_subprocess(argv: list[str], *, env: dict | None = None, cwd: Path | None = None, timeout: float = 120,
                   entry: list[str] | None = None) -> Run:
    """`alembic-guard ARGV` in a process of its own: the real entry point. A run still going after
    `timeout` seconds is killed and fails the test (a hang, or a trap that loops)."""
    try:
        proc = subprocess.run([*(entry or entry_point()), *argv], capture_output=True, text=True,
                              env=env, cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"alembic-guard {' '.join(argv)} did not finish within {timeout} s: {exc.stderr!r}")
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_inprocess(argv: list[str]) -> Run:
    """`cli.main(argv)` in this process (the same masking of stdout/stderr as the console script)."""
    from alembic_guard.cli import main
    from alembic_guard.masking import MaskingStream, forget_secrets

    forget_secrets()  # each run registers its own secrets, as a fresh process would
    out, err = io.StringIO(), io.StringIO()
    code: int | None = 0
    saved = sys.stdout, sys.stderr
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) or exc.code is None else 2
            finally:
                for stream in (sys.stdout, sys.stderr):
                    if isinstance(stream, MaskingStream):
                        stream.flush()
    finally:
        sys.stdout, sys.stderr = saved
        forget_secrets()
    return Run(code, out.getvalue(), err.getvalue())
