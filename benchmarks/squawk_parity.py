#!/usr/bin/env python3
"""squawk parity on our own cases (tests/ops/squawk_parity_cases.py): for each case, does squawk
flag its rule, does alembic-guard flag the mapped code, and do they agree?

    pip install squawk-cli   # benchmark/docs only, not a dependency
    python benchmarks/squawk_parity.py [--markdown]

squawk runs with `--assume-in-transaction` (Alembic runs upgrade() in a transaction) on each
case's SQL; alembic-guard runs on a revision whose upgrade() is `op.execute(<the same SQL>)`, with
`--dialect postgresql --server-version 16` and the preview rules the mapping needs selected.
Agreement = both flag or both stay silent. Disagreements are listed with what each tool says, and
docs/squawk-comparison.md explains the deliberate ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "ops"))

from alembic_guard.testing import check_source  # noqa: E402
from squawk_parity_cases import CASES, revision_source  # noqa: E402


def squawk_rules(squawk: str, sql: str) -> set[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False, encoding="utf-8") as fh:
        fh.write(sql + "\n")
        path = fh.name
    try:
        out = subprocess.run([squawk, "--reporter", "json", "--assume-in-transaction", path],
                             capture_output=True, text=True)
        data = json.loads(out.stdout or "[]")
    finally:
        Path(path).unlink()
    return {item.get("rule_name", "?") for item in data}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print the per-rule table as Markdown")
    opts = ap.parse_args()
    squawk = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    if not Path(squawk).exists():
        print("squawk not found: pip install squawk-cli", file=sys.stderr)
        return 2
    per_rule = defaultdict(lambda: [0, 0])
    disagreements = []
    for rule, code, sql, _ in CASES:
        sq = rule in squawk_rules(squawk, sql)
        ours = any(f.code == code for f in check_source(revision_source(sql), select=(code,), dialect="postgresql",
                                                         server_version="16"))
        per_rule[rule][1] += 1
        if sq == ours:
            per_rule[rule][0] += 1
        else:
            disagreements.append((rule, code, sql, sq, ours))
    agree = sum(a for a, _ in per_rule.values())
    total = sum(t for _, t in per_rule.values())
    if opts.markdown:
        print("| squawk rule | cases | agree |\n|---|---|---|")
        for rule, (a, t) in sorted(per_rule.items()):
            print(f"| {rule} | {t} | {a} |")
        print()
    print(f"agreement: {agree}/{total} cases ({100.0 * agree / total:.0f} %)")
    for rule, code, sql, sq, ours in disagreements:
        print(f"- {rule} / {code}: squawk {'flags' if sq else 'silent'}, alembic-guard {'flags' if ours else 'silent'}: {sql}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
