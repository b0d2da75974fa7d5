"""Every `tests/rules/cases/AG*.py` file, checked against its inline `# expect:` markers.

A case file is a revision file (or, for AG5xx, an application module) whose flagged lines carry
`# expect: AG401` (several codes: `# expect: AG401,AG405`). The file name's leading code or prefix
selects the rules to run: `AG401_concurrent.py` runs AG401, `AG4_mixed.py` runs every AG4xx rule.
The test compares the set of (line, code) found with the markers, so both false positives and
false negatives fail, with a diff naming each line.

Findings with no line (a whole-file problem) are expected with `# expect-file: AG003` anywhere.

Optional directives in a comment line anywhere in the file:
  `# case: dialect=mysql server-version=8.0 require-reason=true`   (settings for the run)
Multi-file cases (graph rules): lines `# versions/<file>.py` split the case into several revision
files; markers are still written on the case file's own lines.
App cases (rules of kind `app`) are checked with `alembic_guard.testing.check_app_source`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from alembic_guard import rules as registry
from alembic_guard.testing import check_files_report, split_files, split_offsets

CASES = Path(__file__).parent / "cases"
EXPECT_RE = re.compile(r"#\s*expect(?P<file>-file)?:\s*(?P<codes>AG\d{3}(?:\s*[, ]\s*AG\d{3})*)")
DIRECTIVE_RE = re.compile(r"^\s*#\s*case:\s*(?P<body>.*)$", re.MULTILINE)
PREFIX_RE = re.compile(r"^(AG\d{0,3})(?:_|$)")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def case_files() -> list[Path]:
    return sorted(CASES.glob("AG*.py"))


def expected_markers(text: str) -> set[tuple[int, str]]:
    out = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = EXPECT_RE.search(line)
        if m:
            for code in re.split(r"[,\s]+", m.group("codes").strip()):
                out.add((0 if m.group("file") else lineno, code))
    return out


def directives(text: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for m in DIRECTIVE_RE.finditer(text):
        for pair in m.group("body").split():
            key, _, value = pair.partition("=")
            key = key.replace("-", "_")
            out[key] = {"true": True, "false": False}.get(value.lower(), value)
    return out


def selection_of(path: Path) -> str:
    m = PREFIX_RE.match(path.stem)
    if not m:
        raise AssertionError(f"{path.name}: case file names start with a rule code or prefix, e.g. AG401_x.py")
    return m.group(1)


def found_app(text: str, prefix: str) -> set[tuple[int, str]]:
    try:
        from alembic_guard.testing import check_app_source
    except ImportError as exc:
        if in_ci():
            pytest.fail(f"app case needs alembic_guard.testing.check_app_source, which is missing: {exc}")
        pytest.skip(f"alembic_guard.testing.check_app_source is not available yet ({exc})")
    return {(f.location.line or 0, f.code) for f in check_app_source(text, select=(prefix,))}


def found_migration(path: Path, text: str, prefix: str) -> set[tuple[int, str]]:
    settings = directives(text)
    files = split_files(text, default=f"versions/{path.name}")
    offsets = {}
    if files is None:
        files = {f"versions/{path.name}": text}
        offsets = {f"versions/{path.name}": 0}
    else:
        offsets = {**split_offsets(text), f"versions/{path.name}": 0}
    report = check_files_report(files, select=(prefix,), allow_skips=True, **settings)
    selected = {r.code for r in registry.select((prefix,))}
    skipped = [s for s in report.skipped if selected & set(s.codes)]
    if skipped:
        why = "; ".join(f"{', '.join(s.codes)}: {s.reason}" for s in skipped)
        pytest.fail(f"{path.name}: selected rules did not run ({why}); a case must exercise its rules")
    out = set()
    for f in report.findings:
        rel = str(f.location.path)
        key = rel[len("migrations/"):] if rel.startswith("migrations/versions/") else None
        if key in offsets:
            out.add(((f.location.line + offsets[key]) if f.location.line else 0, f.code))
        else:  # a finding outside the case file(s): always unexpected
            out.add((-1, f"{f.code} at {rel}:{f.location.line}: {f.message}"))
    return out


def diff(text: str, expected: set, found: set) -> str:
    lines = text.splitlines()
    msg = []
    for lineno, code in sorted(found - expected, key=lambda x: (x[0], x[1])):
        where = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else "(whole file)" if lineno == 0 else "(outside the case file)"
        msg.append(f"  unexpected {code} at line {lineno}: {where}")
    for lineno, code in sorted(expected - found):
        where = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        msg.append(f"  missing    {code} at line {lineno}: {where}")
    return "\n".join(msg)


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.name)
def test_case(path: Path):
    text = path.read_text(encoding="utf-8")
    prefix = selection_of(path)
    chosen = registry.select((prefix,))
    if not chosen:
        if in_ci():
            pytest.fail(f"{path.name}: no rule matches {prefix}")
        pytest.skip(f"no rule matches {prefix} yet")
    expected = expected_markers(text)
    kinds = {r.kind for r in chosen}
    if kinds == {"app"}:
        found = found_app(text, prefix)
    else:
        found = found_migration(path, text, prefix)
    assert found == expected, f"{path.name} (select {prefix}): findings differ from the # expect: markers\n" + diff(text, expected, found)


def test_there_are_cases():
    assert case_files(), "tests/rules/cases/ holds no case files"


def test_markers_parse():
    text = "a\nb  # expect: AG401,AG405\nc # expect: AG101 AG102\n"
    assert expected_markers(text) == {(2, "AG401"), (2, "AG405"), (3, "AG101"), (3, "AG102")}
    assert expected_markers("x\n# expect-file: AG003\n") == {(0, "AG003")}
    assert directives("# case: dialect=mysql require-reason=true\n") == {"dialect": "mysql", "require_reason": True}
