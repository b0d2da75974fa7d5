#!/usr/bin/env python3
"""Regenerate docs/rules/*.md, docs/rules/index.md, docs/cli.md and docs/configuration.md.

Usage: python scripts/gen_docs.py [--check]
--check exits 1 (listing the files) when any generated page is stale, without writing.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic_guard.cli import docs as docgen  # noqa: E402
from alembic_guard.cli import cli  # noqa: E402


def main(argv: list[str]) -> int:
    stale = docgen.stale_files(ROOT, cli)
    if "--check" in argv:
        for name in stale:
            print(f"stale: {name}")
        return 1 if stale else 0
    files = docgen.generated_files(ROOT, cli)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in sorted((ROOT / "docs" / "rules").glob("AG*.md")):
        if path not in files:
            path.unlink()
            print(f"removed {path.relative_to(ROOT)} (no such rule any more)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
