"""Each models rule's docstring: the Example fires, the Use-instead does not.

Blocks are split into files on header comments (`# app/models/order.py`); a block without one is
`app/models.py`. A scaffold supplies what the snippets leave out: alembic.ini, `app/db.py` with
`Base`, an `app/models` package exporting it, a default env.py, and (for AG206, which runs env.py)
a real `Order` model.
"""

from __future__ import annotations

import re

import pytest

from alembic_guard.cli.docs import REQUIRED_SECTIONS, sections
from alembic_guard.rules.models import RULES as _ALL

# AG203 (drift at head) is of kind roundtrip and needs a database: tests/sandbox covers it.
RULES = tuple(r for r in _ALL if r.kind == "models")

HEADER = re.compile(r"^#\s+([\w./-]+\.py)\b.*$")
PRELUDE = "from sqlalchemy.orm import DeclarativeBase  # noqa: F401\nfrom app.db import Base  # noqa: F401\n"
DEFAULT_ENV = "import app.models  # noqa: F401\nfrom app.db import Base\ntarget_metadata = Base.metadata"
EXTRA = {
    "AG206": {
        "app/models/order.py": "import sqlalchemy as sa\n\n\nclass Order(Base):\n    __tablename__ = 'orders'\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    }
}


def blocks(text: str) -> dict[str, str]:
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    files: dict[str, list[str]] = {}
    current = "app/models.py"
    for line in code.splitlines():
        m = HEADER.match(line)
        if m:
            current = m.group(1)
            files.setdefault(current, [])
            continue
        files.setdefault(current, []).append(line)
    return {k: "\n".join(v) + "\n" for k, v in files.items() if "".join(v).strip()}


def build(project, ag2, files: dict[str, str]):
    out: dict[str, str] = {"app/__init__.py": "", "app/db.py": ag2.DB}
    if not any(p.startswith("app/models") for p in files):
        out["app/models/__init__.py"] = "from app.db import Base  # noqa: F401\n"
    env = DEFAULT_ENV
    for path, text in files.items():
        if path.endswith("env.py"):
            env = text
        else:
            out[path] = PRELUDE + text
    return project(out, env=env)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_example_fires_and_use_instead_does_not(project, ag2, rule):
    doc = sections(rule)
    for name in REQUIRED_SECTIONS:
        assert doc.get(name, "").strip(), f"{rule.code}: missing section {name!r}"
    example = {**EXTRA.get(rule.code, {}), **blocks(doc["Example"])}
    fixed = {**example, **blocks(doc["Use instead"])}
    allow_import = rule.requires.value == "import"
    bad = build(project, ag2, example)
    good = build(project, ag2, fixed)
    fired = [f for f in ag2.findings(bad, allow_import=allow_import) if f.code == rule.code]
    assert fired, f"{rule.code}: the Example does not fire"
    quiet = [f for f in ag2.findings(good, allow_import=allow_import) if f.code == rule.code]
    assert not quiet, f"{rule.code}: the Use-instead fires: {[f.message for f in quiet]}"


def test_rule_metadata():
    assert [r.code for r in RULES] == ["AG201", "AG202", "AG204", "AG205", "AG206"]
    for rule in RULES:
        assert rule.kind == "models" and rule.family == "models"
        assert not rule.summary.endswith(" ")
