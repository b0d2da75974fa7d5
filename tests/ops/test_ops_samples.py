"""The operation-lint sample projects: every `# expect:` marker in their revision files is found,
nothing else is; the safe patterns produce no finding, statically and rendered offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alembic_guard import api, settings as settings_mod

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
EXPECT_RE = re.compile(r"#\s*expect:\s*(AG\d{3}(?:\s*,\s*AG\d{3})*)")


def markers(root: Path) -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted((root / "migrations" / "versions").glob("*.py")):
        rel = path.relative_to(root).as_posix()
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            m = EXPECT_RE.search(line)
            if m:
                out.update((rel, lineno, code.strip()) for code in m.group(1).split(","))
    return out


def findings(root: Path, **overrides) -> set[tuple[str, int, str]]:
    report = api.check(settings_mod.load(root, select=("AG4", "AG416"), **overrides))
    return {(str(f.location.path), f.location.line or 0, f.code) for f in report.findings}


def test_dangerous_sample_matches_its_markers():
    root = SAMPLES / "dangerous_ops_postgres"
    expected = markers(root)
    assert len({code for _, _, code in expected}) >= 20, "the sample should exercise (almost) every AG4 rule"
    assert findings(root) == expected


def test_safe_sample_is_clean():
    assert findings(SAMPLES / "safe_ops_postgres") == set()


def test_dangerous_sample_rendered_offline():
    root = SAMPLES / "dangerous_ops_postgres"
    report = api.check(settings_mod.load(root, select=("AG4", "AG416"), allow_import=True))
    got = {(f.code, f.location.revision): f for f in report.findings}
    # revisions that reflect the database or break offline are reported...
    assert ("AG424", "ffffffffffff") in got
    assert "NoInspectionAvailable" in got[("AG424", "ffffffffffff")].message
    # ...and what a helper from another module does is checked in the rendered SQL
    rendered = got[("AG405", "a0a0a0a0a0a0")]
    assert "rendered offline" in rendered.message and "created_by" in rendered.message
    assert report.facts["offline_render"]["revisions"] == 7
    # static findings are not repeated
    assert sum(1 for f in report.findings if f.code == "AG405") == 2


def test_safe_sample_rendered_offline_is_clean():
    report = api.check(settings_mod.load(SAMPLES / "safe_ops_postgres", select=("AG4", "AG416"), allow_import=True))
    assert report.findings == ()
    assert report.facts["offline_render"]["failed"] == 0


def test_ag424_doc_example_fires_and_use_instead_does_not(tmp_path):
    import shutil

    from alembic_guard.cli.docs import sections
    from alembic_guard.rules import BY_CODE

    rule = BY_CODE["AG424"]
    blocks = {name: re.search(r"```python\n(.*?)```", sections(rule)[name], re.S).group(1) for name in ("Example", "Use instead")}
    header = 'from alembic import op\nimport sqlalchemy as sa\nrevision = "a1"\ndown_revision = None\n\n'
    codes = {}
    for name, body in blocks.items():
        root = tmp_path / name.replace(" ", "_")
        shutil.copytree(SAMPLES / "safe_ops_postgres", root, ignore=shutil.ignore_patterns("versions", "expected"))
        (root / "migrations" / "versions").mkdir()
        (root / "migrations" / "versions" / "a1_rev.py").write_text(header + body + "\n\ndef downgrade():\n    pass\n")
        report = api.check(settings_mod.load(root, select=("AG424",), allow_import=True))
        codes[name] = [f.code for f in report.findings]
    assert codes == {"Example": ["AG424"], "Use instead": []}


def test_offline_render_timeout_is_reported_not_hung(tmp_path):
    import shutil

    root = tmp_path / "slow"
    shutil.copytree(SAMPLES / "safe_ops_postgres", root, ignore=shutil.ignore_patterns("expected", "versions"))
    (root / "migrations" / "versions").mkdir()
    (root / "migrations" / "versions" / "ffffffffffff_slow.py").write_text(
        'import time\nfrom alembic import op\n\nrevision = "ffffffffffff"\ndown_revision = None\n\n\n'
        "def upgrade():\n    time.sleep(60)\n\n\ndef downgrade():\n    pass\n"
    )
    report = api.check(settings_mod.load(root, select=("AG424",), allow_import=True, import_timeout=5))
    assert [(f.code, f.location.revision) for f in report.findings] == [("AG424", "ffffffffffff")]
    assert "timed out after 5s" in report.findings[0].message
