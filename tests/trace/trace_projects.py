"""A small PostgreSQL project on disk for the lock-trace tests: `orders` and `users` created by a
base revision, and the revision under test (its source given by the test, so its line numbers are
the test's to know)."""

from __future__ import annotations

import shutil
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
HEADER = 'revision = "{rev}"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\nfrom alembic import op\nimport sqlalchemy as sa\n'
BASE = '''

def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer()),
        sa.Column("status", sa.String(10)),
        sa.Column("note", sa.String(10)),
        sa.Column("amount", sa.Integer()),
    )
    op.execute("ALTER TABLE orders ADD CONSTRAINT ck_orders_present CHECK (amount IS NOT NULL) NOT VALID")
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_present")


def downgrade():
    op.drop_table("orders")
    op.drop_table("users")
'''
MODELS = "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"


def build(root: Path, body: str, files: dict[str, str] | None = None) -> Path:
    """The project at `root` with revision `b1` = HEADER + `body` (HEADER is 7 lines long)."""
    (root / "migrations/versions").mkdir(parents=True)
    ini = (SAMPLES / "healthy/alembic.ini").read_text()
    (root / "alembic.ini").write_text(ini.replace("[alembic]\n", "[alembic]\nprepend_sys_path = .\n", 1))  # myapp/ helpers
    shutil.copy(SAMPLES / "healthy/migrations/env.py", root / "migrations/env.py")
    (root / "models.py").write_text(MODELS)
    (root / "migrations/versions/a0_base.py").write_text(HEADER.format(rev="a0", down="None") + BASE)
    (root / "migrations/versions/b1_change.py").write_text(HEADER.format(rev="b1", down='"a0"') + body)
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def line_of(root: Path, needle: str, revision_file: str = "migrations/versions/b1_change.py") -> int:
    """The 1-based line of the revision file that holds `needle` (so tests never count lines)."""
    for number, line in enumerate((root / revision_file).read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in {revision_file}")
