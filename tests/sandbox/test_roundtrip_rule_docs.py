"""The docs examples of the round-trip rules (AG3xx, AG203) fire, and their Use-instead does not.

Each Example / Use-instead block is the body of a revision that follows a base revision creating
`user_account (id, email)`; AG203's Example is the models module instead. Run for real on
PostgreSQL (enum types and pg_sleep need it).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from alembic_guard import api, settings as settings_mod
from alembic_guard.cli.docs import sections
from alembic_guard.rules import BY_CODE

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
HEADER = 'revision = "{rev}"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
BASE = """
def upgrade():
    op.create_table("user_account", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("email", sa.Text(), nullable=False))

def downgrade():
    op.drop_table("user_account")
"""
MODELS = '''import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


'''
DEFAULT_MODEL = 'class User(Base):\n    __tablename__ = "user_account"\n    id: Mapped[int] = mapped_column(primary_key=True)\n    email: Mapped[str] = mapped_column(sa.Text)\n'
OPTIONS = {"AG306": {"with_data": True}, "AG307": {"step_timeout": 0.5}}


def python_block(text: str) -> str:
    m = re.search(r"```python\n(.*?)```", text, re.S)
    assert m, "no python block"
    return m.group(1)


def build(tmp_path: Path, name: str, revision: str | None, models: str) -> Path:
    root = tmp_path / name
    (root / "migrations/versions").mkdir(parents=True)
    shutil.copy(SAMPLES / "healthy/alembic.ini", root / "alembic.ini")
    shutil.copy(SAMPLES / "healthy/migrations/env.py", root / "migrations/env.py")
    (root / "migrations/versions/a0_base.py").write_text(HEADER.format(rev="a0", down="None") + BASE)
    if revision is not None:
        (root / "migrations/versions/b1_example.py").write_text(HEADER.format(rev="b1", down='"a0"') + revision)
    (root / "models.py").write_text(MODELS + models)
    return root


def codes(root: Path, code: str, **overrides) -> list[str]:
    report = api.check(settings_mod.load(root, select=(code,), **overrides))
    return [f.code for f in report.findings]


RUNNABLE = ["AG301", "AG302", "AG303", "AG304", "AG305", "AG306", "AG307", "AG309", "AG310", "AG311", "AG312", "AG313"]


@pytest.mark.postgres
@pytest.mark.parametrize("code", RUNNABLE)
def test_revision_examples(tmp_path, pg_admin_url, code):
    doc = sections(BY_CODE[code])
    opts = {"db_url": pg_admin_url, **OPTIONS.get(code, {})}
    bad = build(tmp_path, "bad", python_block(doc["Example"]), DEFAULT_MODEL)
    good = build(tmp_path, "good", python_block(doc["Use instead"]), DEFAULT_MODEL)
    assert code in codes(bad, code, **opts), f"{code}: the Example does not fire"
    assert code not in codes(good, code, **opts), f"{code}: the Use-instead fires"


def test_models_diverge_example(tmp_path):
    doc = sections(BY_CODE["AG203"])
    model = python_block(doc["Example"])
    bad = build(tmp_path, "bad", None, model)
    assert "AG203" in codes(bad, "AG203", db="sqlite")
    good = build(tmp_path, "good", python_block(doc["Use instead"]), model)
    assert "AG203" not in codes(good, "AG203", db="sqlite")


@pytest.mark.postgres
def test_not_representative_example(pg_admin_url):
    root = SAMPLES / "healthy"  # a PostgreSQL project
    assert codes(root, "AG300", db="sqlite") == ["AG300"]
    assert codes(root, "AG300", db_url=pg_admin_url) == []


@pytest.mark.parametrize("code", ["AG203", *RUNNABLE, "AG300"])
def test_docs_have_every_section(code):
    doc = sections(BY_CODE[code])
    for name in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert doc.get(name, "").strip(), f"{code}: missing {name}"
