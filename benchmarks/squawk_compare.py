#!/usr/bin/env python3
"""Render the sample projects' revisions to SQL (offline, one revision at a time) and run squawk
on each, next to alembic-guard's findings for the same revision. Used for docs/squawk-comparison.md.

    pip install squawk-cli   # benchmark/docs only, not a dependency
    python benchmarks/squawk_compare.py [sample_projects/dangerous_ops_postgres ...]

Prints a Markdown table: revision | squawk rules (on the rendered SQL) | alembic-guard codes.
Revisions that cannot be rendered offline show why (squawk never sees them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic_guard import api, settings as settings_mod  # noqa: E402
from alembic_guard.ops.offline import render  # noqa: E402
from alembic_guard.project import Project  # noqa: E402


def squawk_rules(squawk: str, sql: str) -> list[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
        fh.write(sql)
        path = fh.name
    try:
        out = subprocess.run([squawk, "--reporter", "json", path], capture_output=True, text=True)
        data = json.loads(out.stdout or "[]")
    finally:
        Path(path).unlink()
    return [item.get("rule_name", "?") for item in data]


def main() -> None:
    squawk = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")
    if not squawk:
        raise SystemExit("squawk not found: pip install squawk-cli")
    samples = [Path(p) for p in sys.argv[1:]] or [ROOT / "sample_projects" / "dangerous_ops_postgres", ROOT / "sample_projects" / "safe_ops_postgres"]
    for sample in samples:
        settings = settings_mod.load(sample, select=("AG4", "AG416"), allow_import=True)
        project = Project.load(settings)
        order = [r for r in project.graph.upgrade_order() if r in project.by_revision]
        rendered, problem = render(project, order, 120)
        report = api.check(settings)
        ours: dict[str, list[str]] = defaultdict(list)
        for f in report.findings:
            ours[f.location.revision or "?"].append(f.code)
        print(f"\n### {sample.name}\n")
        print("| revision | squawk (rendered SQL) | alembic-guard |")
        print("|---|---|---|")
        for rev in order:
            item = rendered.get(rev, {})
            if "sql" in item:
                sq = squawk_rules(squawk, item["sql"])
                left = ", ".join(f"{name} ×{sq.count(name)}" if sq.count(name) > 1 else name for name in sorted(set(sq))) or "—"
            else:
                left = f"not rendered: {item.get('error', problem)}"
            right = ", ".join(sorted(set(ours.get(rev, [])))) or "—"
            print(f"| `{project.by_revision[rev].relpath.name}` | {left} | {right} |")


if __name__ == "__main__":
    main()
