"""Which SQLAlchemy a project targets, read from its dependency files (never by importing anything).

Looked for in the project root and the folders above it (alembic.ini often sits in a
sub-folder; up to five folders above): lock files first (`uv.lock`, `poetry.lock`, `Pipfile.lock`: the version actually
installed), then pins in `pyproject.toml`, `setup.cfg`, `setup.py`, `requirements*.txt` and
`requirements/*.txt`. The answer is the major version (1 or 2), or None when nothing says.
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic_guard.core import reading

_LOCK_UV_POETRY = re.compile(r'(?ims)^name\s*=\s*"sqlalchemy"\s*\n\s*version\s*=\s*"(\d+)\.')
_LOCK_PIPFILE = re.compile(r'(?is)"sqlalchemy"\s*:\s*\{[^}]*?"version"\s*:\s*"==(\d+)\.')
# a requirement: sqlalchemy[asyncio]==1.3.24 / SQLAlchemy>=1.4,<2 / "sqlalchemy>=2.0" / sqlalchemy = "^2.0"
_REQ = re.compile(r"""(?im)(?:^|["'\s,\[])sqlalchemy(?:\[[^\]]*\])?\s*(?:=\s*["']|=\s*\{\s*version\s*=\s*["'])?(?P<spec>[<>=!~^][^"'\n;#]*)""")


def _major_of_spec(spec: str) -> int | None:
    """`==1.3.24` -> 1, `>=1.4,<2` -> 1, `>=2.0` -> 2, `^2.0` -> 2, `~=1.4` -> 1."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    lower = upper = None
    for p in parts:
        m = re.match(r"(==|===|~=|\^|>=|>|<=|<|!=)\s*(\d+)(?:\.(\d+))?", p)
        if not m:
            continue
        op, major, minor = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if op in ("==", "===", "~=", "^"):
            return major
        if op in (">=", ">"):
            lower = major
        if op == "<":
            upper = major - 1 if minor == 0 else major
        if op == "<=":
            upper = major
    if upper is not None:
        return upper
    return lower


def _candidates(root: Path) -> list[Path]:
    out: list[Path] = []
    folder = root.resolve()
    for _ in range(6):
        out += [folder / "uv.lock", folder / "poetry.lock", folder / "Pipfile.lock"]
        out += [folder / "pyproject.toml", folder / "setup.cfg", folder / "setup.py"]
        out += sorted(folder.glob("requirements*.txt")) + sorted(folder.glob("requirements/*.txt"))
        if folder.parent == folder or (folder / ".git").exists():
            break
        folder = folder.parent
    return out


def sqlalchemy_major(root: Path) -> int | None:
    """1 or 2 when the project's dependency files say which SQLAlchemy it targets, else None."""
    for path in _candidates(root):
        try:
            text = reading.read_text(path, errors="replace", limit=reading.MAX_CONFIG_BYTES * 4)  # lock files run large
        except OSError:
            continue
        if path.name in ("uv.lock", "poetry.lock"):
            m = _LOCK_UV_POETRY.search(text)
            if m:
                return int(m.group(1))
            continue
        if path.name == "Pipfile.lock":
            m = _LOCK_PIPFILE.search(text)
            if m:
                return int(m.group(1))
            continue
        for m in _REQ.finditer(text):
            major = _major_of_spec(m.group("spec"))
            if major is not None:
                return major
    return None
