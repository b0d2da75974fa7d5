"""Rule docstrings are the documentation: required sections exist, and examples are honest.

For rules of kind migration / op / project / graph, the first ```python block of "## Example"
must produce the rule's code and the first ```python block of "## Use instead" must not. Blocks
with `# versions/<file>.py` comment lines are split into several revision files (graph rules).
Blocks without a `revision = ...` line get a header appended (see alembic_guard.testing).
Rules of kind models / roundtrip / app, and rules that import project code or need a database,
are exempt from running (their owners test their examples), but must still have every section. Meta rules run with every rule selected, since
their examples are about other rules' suppressions.
"""

from __future__ import annotations

import re

import pytest

from alembic_guard.cli import docs
from alembic_guard import rules as registry
from alembic_guard.engine import ENGINE_RULES
from alembic_guard.rules._registry import Requires
from alembic_guard.testing import check_files_report, check_source_report, split_files

RUN_KINDS = ("migration", "op", "project", "graph")
NOT_RUNNABLE = {"AG000": "a crash of another rule cannot be written as a revision file"}
# rules whose examples need more than a revision file; each names where its examples are tested
RUN_ELSEWHERE = {
    "AG109": "needs a git base ref: tests/deploy/test_pr_guard.py",
    "AG111": "the example is the versions/HEAD marker file: tests/deploy/test_pr_guard.py",
    "AG424": "renders offline through a real env.py (--import): tests/ops/test_ops_samples.py",
}
BLOCK_RE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def python_block(text: str) -> str | None:
    m = BLOCK_RE.search(text)
    return m.group(1) if m else None


def codes_found(rule, source: str) -> tuple[set[str], str]:
    select = ("ALL",) if rule.family == "meta" else (rule.code,)
    dialect = sorted(rule.dialects)[0] if rule.dialects else None  # a dialect the rule applies to
    files = split_files(source)
    if files is None:
        report = check_source_report(source, select, dialect, allow_skips=True)
    else:
        report = check_files_report(files, select, dialect, allow_skips=True)
    crashes = [f for f in report.findings if f.code == "AG000"]
    assert not crashes or rule.code == "AG000", f"{rule.code}: a rule crashed on the example: {crashes[0].message}"
    skipped = [s for s in report.skipped if rule.code in s.codes]
    assert not skipped, f"{rule.code} did not run on its example: {skipped[0].reason}"
    text = "\n".join(f"  {f.location}: {f.code} {f.message}" for f in report.findings)
    return {f.code for f in report.findings}, text


@pytest.mark.parametrize("rule", registry.ALL_RULES, ids=lambda r: r.code)
def test_docstring_sections(rule):
    assert rule.doc.strip(), f"{rule.code} has no docstring"
    summary = rule.doc.strip().splitlines()[0]
    assert not summary.startswith("#"), f"{rule.code}: the first docstring line is the summary, not a heading"
    present = docs.sections(rule)
    missing = [s for s in docs.REQUIRED_SECTIONS if s not in present or not present[s].strip()]
    assert not missing, f"{rule.code} ({rule.__module__}) docstring lacks sections: {missing}"


# Rules that import project code or need a database (requires != SOURCE) are exempt like the
# models/roundtrip/app kinds: running their examples means executing them; their owners test them.
RUNNABLE = [
    r for r in registry.ALL_RULES
    if r.kind in RUN_KINDS and r.code not in NOT_RUNNABLE and r.code not in RUN_ELSEWHERE
    and r.requires is Requires.SOURCE
]


@pytest.mark.parametrize("rule", RUNNABLE, ids=lambda r: r.code)
def test_example_fires_and_use_instead_does_not(rule):
    sections = docs.sections(rule)
    example, fixed = python_block(sections.get("Example", "")), python_block(sections.get("Use instead", ""))
    assert example is not None, f"{rule.code}: '## Example' needs a ```python block (a revision file body)"
    found, text = codes_found(rule, example)
    assert rule.code in found, f"{rule.code}: its Example does not fire it. Findings:\n{text or '  (none)'}"
    if fixed is not None:
        found, text = codes_found(rule, fixed)
        assert rule.code not in found, f"{rule.code}: its 'Use instead' still fires it:\n{text}"


def test_engine_rules_are_known():
    assert set(NOT_RUNNABLE) <= set(ENGINE_RULES)
