"""Tutorial-style snippets (FastAPI, Flask, scripts): every `*.wrong.py` is flagged with the codes
its `# flags:` line names, no `*.right.py` gets any AG5 finding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alembic_guard.testing import check_app_source

HERE = Path(__file__).resolve().parent / "snippets"


@pytest.mark.parametrize("path", sorted(HERE.glob("*.wrong.py")), ids=lambda p: p.name)
def test_wrong_is_flagged(path):
    text = path.read_text(encoding="utf-8")
    wanted = set(re.search(r"#\s*flags:\s*([A-Z0-9, ]+)", text).group(1).replace(" ", "").split(","))
    found = {f.code for f in check_app_source(text, filename=path.name)}
    assert wanted <= found, f"{path.name}: expected {sorted(wanted)}, found {sorted(found)}"


@pytest.mark.parametrize("path", sorted(HERE.glob("*.right.py")), ids=lambda p: p.name)
def test_right_is_clean(path):
    found = check_app_source(path.read_text(encoding="utf-8"), filename=path.name)
    assert not found, "\n".join(f"{f.location}: {f.code} {f.message}" for f in found)
