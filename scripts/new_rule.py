#!/usr/bin/env python3
"""Scaffold a rule: its module, a case file, and its registration in the family's RULES.

Usage: python scripts/new_rule.py AG412 rename-column-in-use --kind op [--severity warning]

Writes alembic_guard/rules/<family>/ag412_rename_column_in_use.py (docstring sections to fill in,
a rule body that yields nothing yet), tests/rules/cases/AG412_rename_column_in_use.py (a case
with one `# expect:` marker to make pass), and adds the import and the RULES entry to
alembic_guard/rules/<family>/__init__.py. Then: fill in the docstring and body, run
`python -m pytest tests/rules -k AG412`, and `python scripts/gen_docs.py`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic_guard.rules._registry import CODE_RE, FAMILIES, KINDS, NAME_RE  # noqa: E402

SIGNATURES = {
    "project": "project",
    "graph": "graph, project",
    "migration": "migration, project",
    "op": "call, ctx",
    "models": "analysis, project",
    "roundtrip": "result, project",
    "app": "module, ctx",
}

TEMPLATE = '''from alembic_guard.findings import Severity
from alembic_guard.rules._registry import {kind}_rule


@{kind}_rule("{code}", "{name}", severity=Severity.{severity}{on})
def {func}({signature}):
    """TODO: one-line summary of the problem.

    ## What it does
    TODO: what the rule flags, precisely.

    ## Why is this bad?
    TODO: what breaks, when, with the real error message if there is one.

    ## Example
    ```python
    {example}
    ```

    ## Use instead
    ```python
    {fixed}
    ```
    """
    return ()  # TODO: yield {func}.finding("message naming `objects`", at=..., hint="what to do")
'''

EXAMPLES = {
    "op": ("def upgrade():\n        op.TODO()", "def upgrade():\n        op.TODO_safe()"),
    "migration": ("def upgrade():\n        TODO()", "def upgrade():\n        TODO_safe()"),
}

CASE = '''"""Cases for {code} ({name}): every line the rule must flag carries an expect marker."""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    op.TODO()  # expect: {code}


def downgrade():
    pass
'''


def register(init: Path, module: str, func: str) -> None:
    text = init.read_text(encoding="utf-8")
    line = f"from alembic_guard.rules.{init.parent.name}.{module} import {func}\n"
    if line in text:
        return
    imports = list(re.finditer(r"^from alembic_guard\.rules\.\w+\.ag\d{3}\w* import \w+\n", text, re.MULTILINE))
    if imports:
        pos = imports[-1].end()
    else:  # after the module docstring
        doc = re.match(r'\s*(""".*?"""|\'\'\'.*?\'\'\')\n', text, re.DOTALL)
        pos = doc.end() if doc else 0
        line = "\n" + line
    text = text[:pos] + line + text[pos:]
    m = re.search(r"^RULES(?:\s*:\s*[\w\[\], .]+)?\s*=\s*\((?P<body>.*?)\)", text, re.MULTILINE | re.DOTALL)
    if m is None:
        raise SystemExit(f"{init}: no `RULES = (...)` tuple to extend")
    names = [n.strip() for n in m.group("body").split(",") if n.strip()]
    names.append(func)
    body = "RULES = (\n" + "".join(f"    {n},\n" for n in names) + ")"
    text = text[: m.start()] + body + text[m.end():]
    init.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("code")
    parser.add_argument("name")
    parser.add_argument("--kind", required=True, choices=KINDS)
    parser.add_argument("--severity", default="warning", choices=["error", "warning", "info"])
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    code, name = args.code.upper(), args.name
    if not CODE_RE.match(code):
        parser.error(f"{code}: codes look like AG412")
    if not NAME_RE.match(name) or name.startswith(("ban-", "require-", "prefer-")):
        parser.error(f"{name}: names are kebab-case and name the problem (not ban-/require-/prefer-)")
    family = FAMILIES[code[2]]
    func = name.replace("-", "_")
    module = f"ag{code[2:]}_{func}"
    package = args.root / "alembic_guard" / "rules" / family
    existing = sorted(package.glob(f"ag{code[2:]}_*.py"))
    if existing:
        parser.error(f"{code} already exists: {existing[0]}")
    example, fixed = EXAMPLES.get(args.kind, ("TODO", "TODO"))
    (package / f"{module}.py").write_text(TEMPLATE.format(
        kind=args.kind, code=code, name=name, severity=args.severity.upper(), func=func,
        signature=SIGNATURES[args.kind], example=example, fixed=fixed,
        on=', on=("TODO_op_name",)' if args.kind == "op" else "",
    ), encoding="utf-8")
    register(package / "__init__.py", module, func)
    cases = args.root / "tests" / "rules" / "cases"
    created = [package / f"{module}.py", package / "__init__.py"]
    if args.kind in ("op", "migration", "app"):
        cases.mkdir(parents=True, exist_ok=True)
        case = cases / f"{code}_{func}.py"
        case.write_text(CASE.format(code=code, name=name), encoding="utf-8")
        created.append(case)
    for path in created:
        print(f"wrote {path.relative_to(args.root)}")
    print(f"next: fill in the TODOs, then `python -m pytest tests/rules -k {code}` and `python scripts/gen_docs.py`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
