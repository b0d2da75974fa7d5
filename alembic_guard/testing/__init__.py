r"""Helpers for testing rules on a revision file's source, without a real project on disk.

>>> from alembic_guard.testing import assert_no_findings, check_files, findings_text
>>> assert_no_findings('revision = "b2"  # alembic-guard: ignore[AG101] merged later\n', "AG002")
>>> [f.code for f in check_files({"a.py": 'revision = "a"\ndown_revision = None\n',
...                              "b.py": 'revision = "b"\ndown_revision = "a"\n',
...                              "c.py": 'revision = "c"\ndown_revision = "a"\n'}, "AG101")]
['AG101']

`check_source` writes a throwaway project (alembic.ini, migrations/env.py, one revision file) into
a temporary directory, runs the engine on it, and returns the findings. A source without a
`revision = ...` line gets a minimal header appended at its END, so the line numbers of the
original source (and its `# expect:` markers) do not move. `check_files` does the same for several
files (graph rules); files are placed by their key:

| key                          | written to                           |
|------------------------------|--------------------------------------|
| `"a1_init.py"`               | `migrations/versions/a1_init.py`     |
| `"versions/sub/b2.py"`       | `migrations/versions/sub/b2.py`      |
| `"migrations/env.py"`        | `migrations/env.py` (replaces ours)  |
| `"models.py"`, `"alembic.ini"`, `"pyproject.toml"` | at the project root    |

A rule selected by its code (or by a prefix like `AG41`) that could not run (its analysis is
missing, wrong dialect, needs --db or --import), or any analysis missing from the installation,
makes these helpers raise `RuleSkipped` instead of returning no findings: an absent check must
never look like a passed one. Broad selections (`ALL`, `AG4`) let database/import/dialect-bound
rules sit out. Pass `allow_skips=True` to get the findings anyway.

The assertion helpers follow squawk's `lint_ok` / `lint_errors` pair: `assert_no_findings` fails
with the rendered findings and points at `findings_text`; `findings_text` fails when there is
nothing to render and points at `assert_no_findings`.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from alembic_guard.findings import Finding, Report

__all__ = [
    "RuleSkipped",
    "check_source",
    "check_source_report",
    "check_files",
    "check_files_report",
    "assert_no_findings",
    "findings_text",
    "render",
    "split_files",
    "check_app_source",
    "DIALECT_URLS",
]

# START_UP: the helpers below import the engine, the rules and the formatters inside the function.
# This module is imported by users' conftest files (and, as a package, by the pytest plugin) in
# every test session; the engine and every rule load only when a helper runs.

DIALECT_URLS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/app",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/app",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/app",
    "sqlite": "sqlite:///app.db",
}

ENV_PY = '''"""A minimal env.py written by alembic_guard.testing."""
from alembic import context

target_metadata = None


def run_migrations_online():
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
'''

_REVISION_RE = re.compile(r"^revision\s*(?::[^=]*)?=", re.MULTILINE)
_SPLIT_RE = re.compile(r"^#\s*(versions/\S+\.py)\b.*$")


class RuleSkipped(AssertionError):
    """A selected rule did not run, so "no findings" would mean nothing."""


def _header(filename: str) -> str:
    rev = Path(filename).stem.split("_", 1)[0] or "a1"
    return f'\n\n# -- header added by alembic_guard.testing --\nrevision = "{rev}"\ndown_revision = None\n'


def _ini(dialect: str | None) -> str:
    url = DIALECT_URLS.get(dialect or "", f"{dialect}://localhost/app" if dialect else "")
    lines = ["[alembic]", "script_location = %(here)s/migrations"]
    if url:
        lines.append(f"sqlalchemy.url = {url}")
    return "\n".join(lines) + "\n"


def _target(key: str) -> str:
    key = key.lstrip("/")
    if "/" not in key and key.endswith(".py") and key not in ("models.py",):
        return f"migrations/versions/{key}"
    if key.startswith("versions/"):
        return f"migrations/{key}"
    return key


def _selection(select: str | Iterable[str]) -> tuple[str, ...]:
    return (select,) if isinstance(select, str) else tuple(select)


def check_files_report(
    files: Mapping[str, str],
    select: str | Iterable[str] = ("ALL",),
    dialect: str | None = None,
    *,
    allow_skips: bool = False,
    **settings: Any,
) -> Report:
    """Write `files` into a throwaway project and run the engine; the whole Report."""
    from alembic_guard import api, settings as settings_mod  # start-up cost (see START_UP)

    with tempfile.TemporaryDirectory(prefix="alembic-guard-test-") as tmp:
        root = Path(tmp)
        written = {"alembic.ini": _ini(dialect), "migrations/env.py": ENV_PY, "pyproject.toml": ""}
        for key, text in files.items():
            written[_target(key)] = text
        (root / "migrations" / "versions").mkdir(parents=True)
        for rel, text in written.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        overrides: dict[str, Any] = {"select": _selection(select)}
        if dialect:
            overrides["dialect"] = dialect
        overrides.update(settings)
        report = api.check(settings_mod.load(root, **overrides))
    if not allow_skips:
        bad = _unexpected_skips(report, overrides["select"])
        if bad:
            lines = "\n".join(f"  skipped {', '.join(s.codes)}: {s.reason}" for s in bad)
            raise RuleSkipped(f"selected rules did not run, so their findings cannot be checked:\n{lines}")
    return report


def _unexpected_skips(report: Report, select: tuple[str, ...]) -> list:
    """Skips that make "no findings" meaningless: a rule named by its own code (or by a prefix
    of its family and tens, like AG41) that did not run, or any analysis missing from the
    installation. With a broad selection (ALL, AG4), rules needing --db or --import, or another
    dialect, are expected to sit out."""
    from alembic_guard.rules import normalise_code  # start-up cost (see START_UP)

    wanted = {normalise_code(c) for c in select}
    out = []
    for skip in report.skipped:
        named = [c for c in skip.codes if any(len(w) >= 4 and c.startswith(w) for w in wanted)]
        if named or "not available" in skip.reason:
            out.append(skip)
    return out


def check_files(
    files: Mapping[str, str],
    select: str | Iterable[str] = ("ALL",),
    dialect: str | None = None,
    **settings: Any,
) -> list[Finding]:
    """Findings for a project made of `files` (keys placed as described in the module doc)."""
    return list(check_files_report(files, select, dialect, **settings).findings)


def check_source_report(
    source: str,
    select: str | Iterable[str] = ("ALL",),
    dialect: str | None = None,
    filename: str = "a1_rev.py",
    **settings: Any,
) -> Report:
    if not _REVISION_RE.search(source):
        source = source.rstrip("\n") + "\n" + _header(filename)
    elif filename == "a1_rev.py":
        # name the file after the revision it declares, as Alembic's default file_template does,
        # so a case is not flagged by AG107 (filename-revision-mismatch) for our choice of name
        m = re.search(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", source, re.MULTILINE)
        if m:
            filename = f"{m.group(1)}_rev.py"
    return check_files_report({filename: source}, select, dialect, **settings)


def check_source(
    source: str,
    select: str | Iterable[str] = ("ALL",),
    dialect: str | None = None,
    filename: str = "a1_rev.py",
    **settings: Any,
) -> list[Finding]:
    """Findings for one revision file's `source` (a header is appended if it has no `revision`)."""
    return list(check_source_report(source, select, dialect, filename, **settings).findings)


def render(findings: Iterable[Finding] | Report, fmt: str = "text") -> str:
    """Findings rendered by a formatter (text by default, never coloured)."""
    from alembic_guard import formatters  # start-up cost (see START_UP)

    report = findings if isinstance(findings, Report) else Report(root=Path("."), findings=tuple(findings))
    out = io.StringIO()
    if fmt == "text":
        from alembic_guard.formatters import text  # start-up cost (see START_UP)

        text.render(report, out, colour=False)
    else:
        formatters.get(fmt)(report, out)
    return out.getvalue()


def _findings_only(text: str) -> str:
    """Drop the summary/skipped tail of the text format: only the findings themselves."""
    return text.split("\n\n", 1)[0].rstrip("\n") + "\n" if text.strip() else ""


def assert_no_findings(source: str, code: str | Iterable[str], dialect: str | None = None, **settings: Any) -> None:
    """Fail (showing the findings) if the rules selected by `code` flag `source`."""
    found = check_source(source, code, dialect, **settings)
    if found:
        raise AssertionError(
            f"expected no {code} findings, got {len(found)}:\n{_findings_only(render(found))}"
            f"(if they are expected, assert on findings_text(source, {code!r}) instead)"
        )


def findings_text(source: str, code: str | Iterable[str], dialect: str | None = None, **settings: Any) -> str:
    """The findings of the rules selected by `code`, rendered as text (for exact assertions).

    Fails when there are none: use `assert_no_findings` for sources that must be clean."""
    found = check_source(source, code, dialect, **settings)
    if not found:
        raise AssertionError(
            f"expected {code} findings but there were none "
            f"(if the source is meant to be clean, use assert_no_findings(source, {code!r}))"
        )
    return _findings_only(render(found))


def split_files(text: str, default: str = "a1_rev.py") -> dict[str, str] | None:
    """Split a multi-file example/case at `# versions/<file>.py` comment lines.

    Keys are `versions/<file>.py`. Each part keeps its separator comment as its first line, so a
    line inside a part is `case_line - offset` (offset: the separator's line minus one). Returns None when the
    text has no separator line. Text before the first separator (imports, blank lines) is dropped
    if it is blank or comments only, else it becomes `default`.
    """
    parts: dict[str, str] = {}
    current: str | None = None
    buf: list[str] = []
    lead: list[str] = []
    for line in text.splitlines():
        m = _SPLIT_RE.match(line.strip())
        if m:
            if current is not None:
                parts[current] = "\n".join(buf) + "\n"
            current, buf = m.group(1), [line]
            continue
        (buf if current is not None else lead).append(line)
    if current is None:
        return None
    parts[current] = "\n".join(buf) + "\n"
    if any(line.strip() and not line.strip().startswith("#") for line in lead):
        parts = {default: "\n".join(lead) + "\n", **parts}
    return parts


def split_offsets(text: str) -> dict[str, int]:
    """For `split_files` output: file -> number of case lines before that file's first line."""
    out: dict[str, int] = {}
    for idx, line in enumerate(text.splitlines()):
        m = _SPLIT_RE.match(line.strip())
        if m:
            out[m.group(1)] = idx
    return out


def check_app_source(source: str, select: Iterable[str] = ("AG5",), filename: str = "app.py",
                     sqlalchemy_major: int | None = None) -> list[Finding]:
    """Run the selected app rules (AG5xx) on one module's source; findings sorted by position.
    `sqlalchemy_major` stands for what the project's dependency files would say (audit/versions.py)."""
    from alembic_guard import rules  # start-up cost (see START_UP)
    from alembic_guard.audit import run_app_rules_on_source  # start-up cost (see START_UP)

    return run_app_rules_on_source(rules.select(tuple(select)), source, filename, sqlalchemy_major)
